using QRCoder;

namespace MobileId.Server.Features.Notifications;

/// <summary>QR code images made by the server (PRODUCT.md §5.3): PNG, without System.Drawing.</summary>
public static class QrCodes
{
    /// <summary>
    /// A PNG of the payload (a provisioning link) at error-correction level M, which survives a
    /// little glare or a crease on a screen or printout while keeping the code small.
    /// </summary>
    /// <param name="payload">The text to encode.</param>
    /// <param name="pixelsPerModule">Pixels per module (the quiet zone is added around).</param>
    public static byte[] Png(string payload, int pixelsPerModule = 8)
    {
        ArgumentException.ThrowIfNullOrEmpty(payload);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerModule, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pixelsPerModule, 64);
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule);
    }
}
