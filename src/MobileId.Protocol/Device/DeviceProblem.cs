namespace MobileId.Protocol.Device;

/// <summary>What a device reads of a refusal: the RFC 9457 problem details, with the stable <see cref="ErrorCodes"/> code.</summary>
public sealed record DeviceProblem(string? Title, int? Status, string? Detail, string? Code);
