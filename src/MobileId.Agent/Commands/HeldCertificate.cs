using System.Security.Cryptography;

namespace MobileId.Agent.Commands;

/// <summary>A certificate in the store with the mobile ID that holds it (and so its CA chain).</summary>
internal sealed record HeldCertificate(StoredIdentity Identity, StoredCertificate Stored)
{
    /// <summary>The certificate (DER).</summary>
    public byte[] Certificate => Convert.FromBase64String(Stored.Certificate);

    /// <summary>The issuing CA and its parents up to the root (DER, nearest first).</summary>
    public List<byte[]> Chain => Identity.Chain.Select(Convert.FromBase64String).ToList();

    /// <summary>Finds a certificate by serial number (no PIN needed).</summary>
    /// <exception cref="RefusedException">The store has no such certificate.</exception>
    public static HeldCertificate Find(string store, string serial)
    {
        foreach (var identity in AgentStore.Peek(store)?.Identities ?? [])
        {
            if (identity.Certificates.Find(c => string.Equals(c.SerialNumber, serial, StringComparison.OrdinalIgnoreCase)) is { } stored)
            {
                return new HeldCertificate(identity, stored);
            }
        }

        throw new RefusedException($"No certificate with serial {serial} in {store}; see `mobileid-agent list`.");
    }

    /// <summary>Opens the store with the PIN (the option or a prompt) and decrypts the certificate's private key.</summary>
    /// <param name="store">The store directory.</param>
    /// <param name="options">The command line options (<c>--pin</c>).</param>
    /// <param name="withoutKey">What follows when there is no key, for the message.</param>
    /// <returns>The key; the caller disposes it.</returns>
    /// <exception cref="RefusedException">The store holds no key for this certificate.</exception>
    /// <exception cref="PinException">The PIN is wrong (the try is counted).</exception>
    public AsymmetricAlgorithm OpenKey(string store, Dictionary<string, List<string>> options, string withoutKey)
    {
        if (Stored.KeyCiphertext is null)
        {
            throw new RefusedException($"The store has no private key for certificate {Stored.SerialNumber} (slot {Stored.Slot}, {Stored.Mode}): {withoutKey}.");
        }

        return AgentStore.Open(store, Terminal.ValueOrAsk(options, "pin", "PIN: ")).OpenPrivateKey(Stored)!;
    }
}
