using MobileId.Testing.Features.Notifications;

namespace MobileId.Agent.Tests.Features.Agent;

/// <summary>
/// The agent test kit with the ways messages leave the server: an SMS gateway stub on loopback that
/// the server sends to, and the mail pickup folder where it writes each email as an <c>.eml</c> file.
/// </summary>
public abstract class AgentMessagingTestKit : AgentTestKit
{
    /// <summary>The SMS gateway the server sends to.</summary>
    protected SmsGatewayStub Gateway { get; private set; } = null!;

    /// <summary>Where the server writes its mails.</summary>
    protected string PickupFolder => Path.Combine(App.Database.Directory, "data", "mail-pickup");

    public override async Task InitializeAsync()
    {
        Gateway = await SmsGatewayStub.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Gateway.DisposeAsync();
    }

    protected override void Configure(MobileIdApp app) => app.Settings["MobileId:Sms:GatewayUrl"] = Gateway.Url;
}
