using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace MobileId.Pki.Keys;

/// <summary>
/// A logged-in connection to one token: the loaded module, the slot, a session that holds the
/// login, and a small pool of further sessions so that many threads can sign at once.
/// </summary>
/// <remarks>
/// Note: PKCS#11 sessions must not be used by two threads at the same time (PKCS#11 v2.40 base specification, sessions),
/// but the login state belongs to the application and is shared by all its sessions of the
/// token; it ends when the last session closes. The login session therefore stays open for the
/// connection's lifetime and every operation borrows a session of its own.
/// </remarks>
internal sealed class Pkcs11Connection : IDisposable
{
    private readonly Pkcs11KeyStoreOptions _options;
    private readonly string _pin;
    private readonly ISlot _slot;
    private readonly ISession _loginSession;
    private readonly ConcurrentBag<ISession> _idle = [];
    private int _disposed;

    private Pkcs11Connection(Pkcs11KeyStoreOptions options, string pin, ISlot slot, ISession loginSession)
    {
        _options = options;
        _pin = pin;
        _slot = slot;
        _loginSession = loginSession;
    }

    public static Pkcs11InteropFactories Factories => Pkcs11Modules.Factories;

    /// <summary>The token's label, for messages.</summary>
    public string Token => _options.TokenDescription;

    /// <summary>Loads the module, finds the token and logs in.</summary>
    /// <exception cref="KeyStoreException">The module, token or PIN is wrong; the message says which and how to fix it.</exception>
    public static Pkcs11Connection Open(Pkcs11KeyStoreOptions options, string pin)
    {
        var library = Pkcs11Modules.Acquire(options.LibraryPath);
        ISession? session = null;
        try
        {
            var slot = FindSlot(library, options);
            session = slot.OpenSession(SessionType.ReadWrite);
            Login(session, pin, options);
            return new Pkcs11Connection(options, pin, slot, session);
        }
        catch (Pkcs11Exception ex)
        {
            session?.Dispose();
            Pkcs11Modules.Release(options.LibraryPath);
            throw new KeyStoreException($"The PKCS#11 token {options.TokenDescription} in {options.LibraryPath} could not be opened ({ex.Method}: {ex.RV}).", ex);
        }
        catch
        {
            session?.Dispose();
            Pkcs11Modules.Release(options.LibraryPath);
            throw;
        }
    }

    /// <summary>Runs an operation on a session of its own.</summary>
    /// <remarks>
    /// Note: when the token forgot the login (an HSM restart, or another part of the process logged
    /// out), the operation is retried once after logging in again.
    /// </remarks>
    public T Run<T>(Func<ISession, T> operation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var session = Rent();
        var healthy = true;
        try
        {
            try
            {
                return operation(session);
            }
            catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_USER_NOT_LOGGED_IN)
            {
                Login(session, _pin, _options);
                return operation(session);
            }
        }
        catch (Pkcs11Exception ex) when (IsSessionLost(ex.RV))
        {
            healthy = false;
            throw;
        }
        finally
        {
            Return(session, healthy);
        }
    }

    /// <summary>Reads the token information and checks that the login is still in place.</summary>
    /// <returns>Null when healthy, otherwise what is wrong.</returns>
    public string? Check()
    {
        var info = _slot.GetTokenInfo();
        if (!info.TokenFlags.TokenInitialized)
        {
            return $"The PKCS#11 token {Token} is not initialised.";
        }

        var state = Run(session => session.GetSessionInfo().State);
        return state is CKS.CKS_RW_USER_FUNCTIONS or CKS.CKS_RO_USER_FUNCTIONS
            ? null
            : $"The PKCS#11 token {Token} is open but not logged in as user (session state {state}).";
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_idle.TryTake(out var session))
        {
            CloseQuietly(session);
        }

        CloseQuietly(_loginSession);
        Pkcs11Modules.Release(_options.LibraryPath);
    }

    private ISession Rent() => _idle.TryTake(out var session) ? session : _slot.OpenSession(SessionType.ReadWrite);

    private void Return(ISession session, bool healthy)
    {
        if (healthy && Volatile.Read(ref _disposed) == 0 && _idle.Count < _options.MaxIdleSessions)
        {
            _idle.Add(session);
        }
        else
        {
            CloseQuietly(session);
        }
    }

    private static void CloseQuietly(ISession session)
    {
        try
        {
            session.Dispose();
        }
        catch (Pkcs11Exception)
        {
            // Note: a session of a token that went away cannot be closed; there is nothing left to release.
        }
    }

    private static bool IsSessionLost(CKR rv) => rv is CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED
        or CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_ERROR;

    private static ISlot FindSlot(IPkcs11Library library, Pkcs11KeyStoreOptions options)
    {
        var slots = library.GetSlotList(SlotsType.WithTokenPresent);
        var labels = new List<string>();
        foreach (var slot in slots)
        {
            var label = slot.GetTokenInfo().Label.Trim();
            labels.Add($"'{label}' (slot {slot.SlotId})");
            var labelMatches = string.IsNullOrEmpty(options.TokenLabel) || string.Equals(label, options.TokenLabel, StringComparison.Ordinal);
            var slotMatches = options.SlotId is null || options.SlotId == slot.SlotId;
            if (labelMatches && slotMatches)
            {
                return slot;
            }
        }

        var present = labels.Count == 0 ? "no token is present" : "the tokens present are " + string.Join(", ", labels);
        var create = string.IsNullOrEmpty(options.TokenLabel)
            ? "Set SlotId to one of the slots above, or TokenLabel to a token's label."
            : $"Create it (SoftHSM2: softhsm2-util --init-token --free --label {options.TokenLabel}) or set TokenLabel to one of the labels above.";
        throw new KeyStoreException($"No PKCS#11 token {options.TokenDescription} in {options.LibraryPath}: {present}. {create}");
    }

    private static void Login(ISession session, string pin, Pkcs11KeyStoreOptions options)
    {
        try
        {
            session.Login(CKU.CKU_USER, pin);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // Note: another store of this process is logged in to the same token; the login is shared
            // (PKCS#11 v2.40 base specification), so this PIN is not checked again.
        }
        catch (Pkcs11Exception ex)
        {
            var token = options.TokenDescription;
            throw new KeyStoreException(ex.RV switch
            {
                CKR.CKR_PIN_INCORRECT =>
                    $"The user PIN for PKCS#11 token {token} is wrong (CKR_PIN_INCORRECT). Set the token's user PIN (not the SO PIN); repeated wrong PINs may lock the token.",
                CKR.CKR_PIN_LOCKED =>
                    $"The user PIN of PKCS#11 token {token} is locked (CKR_PIN_LOCKED). The security officer must reset it (pkcs11-tool --init-pin --login --login-type so).",
                CKR.CKR_USER_PIN_NOT_INITIALIZED =>
                    $"PKCS#11 token {token} has no user PIN yet (CKR_USER_PIN_NOT_INITIALIZED). Set one with pkcs11-tool --init-pin --login --login-type so.",
                CKR.CKR_PIN_LEN_RANGE =>
                    $"The user PIN for PKCS#11 token {token} is too short or too long for the token (CKR_PIN_LEN_RANGE); check that the PIN is the token's user PIN.",
                var rv => $"Logging in to PKCS#11 token {token} failed ({rv}).",
            }, ex);
        }
    }
}

/// <summary>
/// PKCS#11 modules loaded by this process, shared by every store that names the same file.
/// </summary>
/// <remarks>
/// Note: C_Initialize and C_Finalize act on the whole process (PKCS#11 v2.40 base specification): a second
/// C_Initialize fails and one C_Finalize would close every other store's sessions. Each module is
/// therefore initialised once and finalised when the last store using it is disposed.
/// </remarks>
internal static class Pkcs11Modules
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, (IPkcs11Library Library, int References)> Loaded = new(StringComparer.Ordinal);

    static Pkcs11Modules()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                // Note: Pkcs11Interop 5.3 imports dlopen from "libdl", which glibc only ships as
                // libdl.so.2 (libdl.so comes with the -dev package); without this mapping loading throws DllNotFoundException.
                NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, ResolveLibdl);
            }
            catch (InvalidOperationException)
            {
                // Note: the host set a resolver for Pkcs11Interop already; it is trusted to map libdl.
            }
        }
    }

    public static Pkcs11InteropFactories Factories { get; } = new();

    public static IPkcs11Library Acquire(string path)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(path, out var entry))
            {
                Loaded[path] = (entry.Library, entry.References + 1);
                return entry.Library;
            }

            var library = Load(path);
            Loaded[path] = (library, 1);
            return library;
        }
    }

    public static void Release(string path)
    {
        lock (Gate)
        {
            if (!Loaded.TryGetValue(path, out var entry))
            {
                return;
            }

            if (entry.References > 1)
            {
                Loaded[path] = (entry.Library, entry.References - 1);
                return;
            }

            Loaded.Remove(path);
            try
            {
                entry.Library.Dispose();
            }
            catch (Pkcs11Exception)
            {
                // Note: C_Finalize of a module whose device went away; nothing left to release.
            }
        }
    }

    private static IPkcs11Library Load(string path)
    {
        const string Fix = "Install the HSM vendor's PKCS#11 module (SoftHSM2 on Debian: apt-get install softhsm2, module /usr/lib/softhsm/libsofthsm2.so) and set LibraryPath to its full path.";
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new KeyStoreException("No PKCS#11 library is configured. " + Fix);
        }

        if (Path.IsPathRooted(path) && !File.Exists(path))
        {
            throw new KeyStoreException($"The PKCS#11 library {path} does not exist. " + Fix);
        }

        try
        {
            return Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, path, AppType.MultiThreaded);
        }
        catch (UnmanagedException ex)
        {
            throw new KeyStoreException($"The file {path} could not be loaded as a PKCS#11 library ({ex.Message}). It must be a PKCS#11 module for this architecture. " + Fix, ex);
        }
        catch (Pkcs11Exception ex)
        {
            throw new KeyStoreException($"The PKCS#11 library {path} failed to start ({ex.Method}: {ex.RV}). For SoftHSM2, check that SOFTHSM2_CONF names a readable softhsm2.conf whose directories.tokendir exists and is writable.", ex);
        }
    }

    private static IntPtr ResolveLibdl(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == "libdl" && NativeLibrary.TryLoad("libdl.so.2", out var handle) ? handle : IntPtr.Zero;
}
