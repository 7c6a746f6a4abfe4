namespace MobileId.Server.Console.Pages.People;

/// <summary>An operation on a mobile ID chosen on the person page: validate, cancel, disable, enable or replace, with its reason and details.</summary>
public sealed record MobileIdAction(string Kind, Guid MobileId, string? Reason, string? Details);
