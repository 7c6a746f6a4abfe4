global using System.Globalization;
global using Microsoft.EntityFrameworkCore;
global using MobileId.Protocol;
global using MobileId.Protocol.Device;
global using MobileId.Server.Data;
global using MobileId.Server.Infrastructure;
