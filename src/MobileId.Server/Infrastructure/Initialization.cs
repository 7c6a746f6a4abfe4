namespace MobileId.Server.Infrastructure;

/// <summary>
/// A step of <c>init</c> that another part of the server contributes, such as creating the
/// certificate authorities. Steps run in registration order and must be idempotent.
/// </summary>
public interface IInitializationStep
{
    string Name { get; }

    Task RunAsync(InitContext context, CancellationToken cancellationToken);
}

public sealed class InitContext(IServiceProvider services, TextWriter output)
{
    public IServiceProvider Services { get; } = services;
    public TextWriter Output { get; } = output;
}
