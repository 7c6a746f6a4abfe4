namespace MobileId.Agent.Commands;

/// <summary>A command line that cannot be carried out as given (exit code 2): a missing value, a file that cannot be read or written.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A check on the device failed (exit code 3): no such certificate, no key for it, a signature that does not verify.</summary>
public sealed class RefusedException(string message) : Exception(message);
