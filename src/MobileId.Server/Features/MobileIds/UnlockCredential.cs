using System.Security.Cryptography;
using MobileId.Pki.Keys;

namespace MobileId.Server.Features.MobileIds;

/// <summary>RequestUnlockCodeForDevice: the challenge the person reads out, and the caller verification code when the profile requires one.</summary>
public sealed record UnlockCodeInput(string? Challenge, string? VerificationCode);

/// <summary>The person whose mobile ID is unlocked.</summary>
public sealed record UnlockPerson(Guid Id, string LogonName, string DisplayName);

/// <summary>The unlock code to read to the person (grouped <c>1234 5678</c>), only this device accepts it, once, until <see cref="ExpiresAt"/>.</summary>
public sealed record UnlockCodeView(string UnlockCode, DateTime ExpiresAt, Guid MobileId, UnlockPerson Person);

/// <summary>SendUnlockVerificationCode: the challenge, and the channel (<c>email</c> or <c>sms</c>; the email when the person has one, unless given).</summary>
public sealed record UnlockVerificationInput(string? Challenge, string? Channel);

/// <summary>Where the verification code went, and until when it can be entered.</summary>
public sealed record UnlockVerificationView(string Channel, DateTime ExpiresAt, Guid MobileId, UnlockPerson Person);

/// <summary>
/// Unlock Credential (PRODUCT.md §5.6): the device asks with its unlock token and shows a challenge;
/// an operator whose role has <b>Can Unlock</b> for the profile, and scope over the person, enters
/// the challenge (after verifying the caller with a one-time code when the profile requires it) and
/// reads back an unlock code; the device redeems it, once, for the unlock key it escrowed at
/// confirmation, encrypted to a key it made for this unlock. Only the device that showed the
/// challenge can redeem the code: it needs the request's private key and the mobile ID's unlock token.
/// This half holds what the device's steps share with the kernel: the escrow a confirmation keeps
/// (<see cref="ReadEscrow"/>, <see cref="Escrow"/>) and the unlock key's KEK context; the device's
/// challenge and redemption are the Device workflow's (Features/Device/Unlock), the operator's
/// steps are in the Unlock sub-namespace.
/// </summary>
public sealed class UnlockCredential(IKeyStore keys)
{
    /// <summary>The KEK context of a mobile ID's escrowed unlock key.</summary>
    public static string KeyContext(Guid mobileId) => $"unlock-key:{mobileId:D}";

    /// <summary>Reads the escrow a device sends with its confirmation: both values or neither.</summary>
    internal static AppError? ReadEscrow(ConfirmRequest? request, out byte[]? tokenHash, out byte[]? unlockKey)
    {
        tokenHash = null;
        unlockKey = null;
        if (request is null || (request.UnlockToken is null && request.UnlockKey is null))
        {
            return null;
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.UnlockToken is not { Length: >= 22 and <= 128 } token || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            errors["unlockToken"] = ["The unlock token must be 22 to 128 base64url characters (32 random bytes are recommended)."];
        }
        else
        {
            tokenHash = SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token));
        }

        try
        {
            unlockKey = Convert.FromBase64String(request.UnlockKey ?? "");
        }
        catch (FormatException)
        {
            unlockKey = null;
        }

        if (unlockKey is not { Length: 32 })
        {
            errors["unlockKey"] = ["The unlock key must be 32 bytes, base64."];
        }

        return errors.Count > 0 ? AppError.Validation(errors) : null;
    }

    /// <summary>Keeps a confirmation's escrow on the mobile ID: the token's hash, and the unlock key wrapped under the KEK.</summary>
    internal void Escrow(MobileIdentity mobileId, byte[]? tokenHash, byte[]? unlockKey)
    {
        if (tokenHash is null || unlockKey is null)
        {
            return;
        }

        mobileId.UnlockTokenHash = tokenHash;
        mobileId.UnlockKey = keys.Wrap(unlockKey, KeyContext(mobileId.Id));
        CryptographicOperations.ZeroMemory(unlockKey);
    }
}
