global using MobileId.Protocol.Device;
