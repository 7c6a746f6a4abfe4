using System.Xml.Linq;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Profiles;

/// <summary>Where custom card data models are read from (<c>MobileId:CardDataModels</c>).</summary>
public sealed class CardDataModelOptions
{
    public const string Section = "MobileId:CardDataModels";

    /// <summary>The folder of <c>*.xml</c> models; relative paths are under the data directory.</summary>
    public string Folder { get; set; } = "card-data-models";
}
