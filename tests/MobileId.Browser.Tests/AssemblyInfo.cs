// The suite runs on Linux (CI and developers); Unix file modes are part of what it checks.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
