namespace MobileId.Protocol.Device;

/// <summary>Where a mobile ID is in its life (PRODUCT.md §5); on the wire by name (<c>"Issued"</c>).</summary>
public enum MobileIdStatus
{
    /// <summary>Requested under a profile with Require validation: waiting for Validate Request; no code exists yet.</summary>
    AwaitingValidation,

    /// <summary>The one-time code is out; the person may collect.</summary>
    ReadyToCollect,

    /// <summary>A device redeemed the code and is collecting; it can resume.</summary>
    Collecting,

    /// <summary>The device confirmed installation.</summary>
    Issued,

    /// <summary>Disabled: its certificates are on hold.</summary>
    Disabled,

    /// <summary>Cancelled: its certificates are revoked; a device wipes the identity.</summary>
    Cancelled,

    /// <summary>The code expired before collection.</summary>
    Expired,

    /// <summary>Too many wrong codes: a new request is needed.</summary>
    Locked,
}
