namespace MobileId.Protocol.Device;

/// <summary>A private key encrypted to a device's session key: base64 fields (docs/protocol.md, Collect).</summary>
/// <param name="EphemeralKey">The sender's one-time EC P-256 public key (SubjectPublicKeyInfo).</param>
/// <param name="Nonce">The AES-GCM nonce (12 bytes).</param>
/// <param name="Ciphertext">The encrypted PKCS#8 key.</param>
/// <param name="Tag">The AES-GCM tag (16 bytes).</param>
public sealed record EncryptedKey(string EphemeralKey, string Nonce, string Ciphertext, string Tag);
