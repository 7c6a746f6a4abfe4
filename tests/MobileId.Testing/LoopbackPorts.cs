using System.Net;
using System.Net.Sockets;

namespace MobileId.Testing;

/// <summary>Ports on 127.0.0.1 for servers that cannot be told to pick one themselves (the built server, aiosmtpd).</summary>
public static class LoopbackPorts
{
    /// <summary>A port that was free a moment ago.</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
