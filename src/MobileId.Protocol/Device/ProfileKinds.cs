using System.Text.Json.Serialization;

namespace MobileId.Protocol.Device;

/// <summary>The device key store the mobile ID goes into; on the wire by name (<c>"Mobile"</c>).</summary>
public enum CardFormat
{
    /// <summary>The agent's own key store (also the staging store for MDM hand-off).</summary>
    None,

    /// <summary>The platform's system key store (iOS or Android), container <i>System Store</i>.</summary>
    Mobile,

    /// <summary>The Citrix SecureVault key store.</summary>
    CitrixSecureVault,

    /// <summary>The MobileIron AppConnect key store.</summary>
    MobileIronAppConnect,

    /// <summary>A custom format from an XML card data model (§3.1).</summary>
    Custom,
}

/// <summary>How a profile's certificate is obtained; on the wire by name (<c>"IssueNew"</c>).</summary>
public enum CertificateMode
{
    /// <summary>Issue a new certificate.</summary>
    IssueNew,

    /// <summary>Recover the person's archived key and certificate.</summary>
    UseExisting,

    /// <summary>Deliver old encryption certificates with their keys.</summary>
    HistoricOnly,

    /// <summary>A certificate imported from a PFX file (Upload PFX Certificates).</summary>
    Unmanaged,
}

/// <summary>Where the key of a slot comes from (<c>keyGeneration</c> at enrol): <c>device</c>, <c>server</c> or <c>recovered</c>.</summary>
public enum SlotKeySource
{
    /// <summary>The device makes the key and sends a CSR.</summary>
    [JsonStringEnumMemberName("device")]
    Device,

    /// <summary>The server makes the key and delivers it encrypted to the session key.</summary>
    [JsonStringEnumMemberName("server")]
    Server,

    /// <summary>An archived or PFX-imported key, delivered encrypted to the session key.</summary>
    [JsonStringEnumMemberName("recovered")]
    Recovered,
}
