using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Tests.Features.Webhooks;

/// <summary>What a webhook payload carries from an audit record, and what it never carries.</summary>
public sealed class WebhookPayloadTests
{
    private static AuditRecord Record(string? details, Guid? personId) => new()
    {
        OccurredAt = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc), ActorKind = "person", ActorName = "op", Action = LifecycleActions.Requested,
        TargetPersonId = personId, SourceAddress = "local", Outcome = AuditOutcome.Success, Details = details, PreviousHash = "", Hash = "",
    };

    [Fact]
    public void Payload_DetailsWithCodesAndSecrets_WithheldAndIdNamedMobileId()
    {
        // Arrange
        var id = Guid.NewGuid();
        var mobileId = Guid.NewGuid();
        var person = Guid.NewGuid();
        var details = JsonSerializer.Serialize(new { id = mobileId, profile = "Staff", code = "48213957", unlockCode = "1234", secret = "s", pinHash = "p" });

        // Act
        using var payload = JsonDocument.Parse(WebhookOutbox.Payload(id, "requested", Record(details, person)));

        // Assert
        var root = payload.RootElement;
        Assert.Equal(id, root.GetProperty("id").GetGuid());
        Assert.Equal("requested", root.GetProperty("type").GetString());
        Assert.Equal(new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc), root.GetProperty("occurredAt").GetDateTime().ToUniversalTime());
        var data = root.GetProperty("data");
        Assert.Equal(["mobileId", "profile", "personId"], data.EnumerateObject().Select(p => p.Name));
        Assert.Equal(mobileId, data.GetProperty("mobileId").GetGuid());
        Assert.Equal(person, data.GetProperty("personId").GetGuid());
    }

    [Fact]
    public void Payload_DetailsNotJson_DataHoldsOnlyThePerson()
    {
        // Arrange
        var person = Guid.NewGuid();

        // Act
        using var payload = JsonDocument.Parse(WebhookOutbox.Payload(Guid.NewGuid(), "issued", Record("plain words", person)));

        // Assert
        Assert.Equal(["personId"], payload.RootElement.GetProperty("data").EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData(LifecycleActions.Requested, "requested")]
    [InlineData(LifecycleActions.Validated, "validated")]
    [InlineData(LifecycleActions.Issued, "issued")]
    [InlineData(LifecycleActions.Cancelled, "cancelled")]
    [InlineData(LifecycleActions.Disabled, "disabled")]
    [InlineData(LifecycleActions.Enabled, "enabled")]
    [InlineData(LifecycleActions.Renewed, "renewed")]
    [InlineData(LifecycleActions.Unlocked, "unlocked")]
    [InlineData(LifecycleActions.DeviceAdded, "device-added")]
    [InlineData(LifecycleActions.DeviceCancelled, "device-cancelled")]
    [InlineData("mobile-id.code-failed", null)]
    public void TypeOf_AuditAction_EventTypeOrNone(string action, string? type)
    {
        // Act
        var actual = WebhookEvents.TypeOf(action);

        // Assert
        Assert.Equal(type, actual);
        Assert.Equal(type is not null, actual is not null && WebhookEvents.IsType(actual));
    }
}
