namespace MobileId.Protocol.Device;

/// <summary>
/// The Identity Agent Policy (PRODUCT.md §8) that the agent obeys: the server sends it at enrol and in
/// every package; the agent keeps the last one it received, and these defaults until then.
/// </summary>
/// <param name="LogLevel">0 (off) to 6 (trace).</param>
/// <param name="MaximumLogStorageSpace">Megabytes of log files the agent keeps.</param>
/// <param name="MaximumNumberOfLogFiles">Log files the agent keeps; -1 no limit.</param>
/// <param name="MaximumRetryAttempts">Retries of a request the server did not answer.</param>
/// <param name="MinimumRetryDelay">Seconds before the first retry; the delay doubles.</param>
/// <param name="AdministratorEmailAddress">Whom the person asks for help.</param>
public sealed record AgentPolicy(int LogLevel = 2, int MaximumLogStorageSpace = 10, int MaximumNumberOfLogFiles = -1, int MaximumRetryAttempts = 5,
    int MinimumRetryDelay = 10, string AdministratorEmailAddress = "");
