using Microsoft.Extensions.Options;

namespace MobileId.Server.Infrastructure;

public static class Paging
{
    public const int DefaultPageSize = 50;

    /// <summary>Checks page (from 1) and page size (1 to the configured maximum).</summary>
    public static AppError? Check(int? page, int? pageSize, IOptions<ApiOptions> options, out int actualPage, out int actualSize)
    {
        actualPage = page ?? 1;
        actualSize = pageSize ?? DefaultPageSize;
        var max = options.Value.MaxPageSize;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (actualPage < 1)
        {
            errors["page"] = ["page starts at 1."];
        }

        if (actualSize < 1 || actualSize > max)
        {
            errors["pageSize"] = [$"pageSize must be between 1 and {max}."];
        }

        return errors.Count == 0 ? null : AppError.Validation(errors);
    }
}
