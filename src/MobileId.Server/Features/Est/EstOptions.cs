namespace MobileId.Server.Features.Est;

/// <summary>EST (RFC 7030) settings, under <c>MobileId:Est</c>.</summary>
public sealed class EstOptions
{
    public const string Section = "MobileId:Est";

    /// <summary>
    /// On HTTPS endpoints, ask clients for an optional TLS client certificate, so that EST
    /// <c>simplereenroll</c> (and <c>serverkeygen</c> for a renewal) can be authenticated by the current
    /// certificate. Any certificate passes the handshake; EST itself accepts only a valid certificate of ours. On by default.
    /// </summary>
    public bool ClientCertificates { get; set; } = true;
}
