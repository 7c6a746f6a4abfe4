using System.Text.Json;
using System.Text.Json.Serialization;

namespace MobileId.Protocol.Device;

/// <summary>
/// The device protocol's JSON (docs/protocol.md), source-generated: camelCase names, nulls written,
/// enums by name (or by their <see cref="JsonStringEnumMemberNameAttribute"/>). The server signs
/// package bytes made with it, and the agent reads every answer with it.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(AgentPolicy))]
[JsonSerializable(typeof(EnrolRequest))]
[JsonSerializable(typeof(EnrolResponse))]
[JsonSerializable(typeof(CollectRequest))]
[JsonSerializable(typeof(SignedPackage))]
[JsonSerializable(typeof(PackageContent))]
[JsonSerializable(typeof(ConfirmRequest))]
[JsonSerializable(typeof(ConfirmResponse))]
[JsonSerializable(typeof(CancelCollectionResponse))]
[JsonSerializable(typeof(UpdateRequest))]
[JsonSerializable(typeof(UpdateContent))]
[JsonSerializable(typeof(UpdateConfirmRequest))]
[JsonSerializable(typeof(UpdateConfirmResponse))]
[JsonSerializable(typeof(UnlockStartRequest))]
[JsonSerializable(typeof(UnlockStartResponse))]
[JsonSerializable(typeof(UnlockCompleteRequest))]
[JsonSerializable(typeof(UnlockCompleteResponse))]
[JsonSerializable(typeof(Badge))]
[JsonSerializable(typeof(DeviceProblem))]
public sealed partial class DeviceProtocolJson : JsonSerializerContext;
