using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Infrastructure;

/// <summary>
/// What every list endpoint takes in its query string: <c>page</c> (from 1), <c>pageSize</c> (1 to
/// <see cref="ApiOptions.MaxPageSize"/>) and <c>q</c>, text that an item must contain (case-insensitive)
/// in one of the fields the endpoint names in its summary.
/// </summary>
public sealed record ListQuery([FromQuery] int? Page, [FromQuery] int? PageSize, [FromQuery] string? Q);

/// <summary>One page of a list, with the total number of items that match.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public static class Paging
{
    public const int DefaultPageSize = 50;

    /// <summary>The longest <c>q</c> a list endpoint accepts.</summary>
    public const int MaxFilterLength = 200;

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

    /// <summary>Checks a list query: its paging and the length of its text filter.</summary>
    public static AppError? Check(ListQuery query, IOptions<ApiOptions> options, out int page, out int size)
    {
        var error = Check(query.Page, query.PageSize, options, out page, out size);
        if (query.Q?.Length > MaxFilterLength)
        {
            var errors = new Dictionary<string, string[]>(error?.Errors ?? new Dictionary<string, string[]>(), StringComparer.Ordinal)
            {
                ["q"] = [$"q must be at most {MaxFilterLength} characters long."],
            };
            return AppError.Validation(errors);
        }

        return error;
    }

    /// <summary>
    /// One page of a short list held in memory (roles, profiles, policies …): the items that contain
    /// <c>q</c> in one of <paramref name="text"/>'s fields, in the given order.
    /// </summary>
    public static Results<Ok<PagedResult<T>>, ProblemHttpResult> Respond<T>(IEnumerable<T> all, ListQuery query, IOptions<ApiOptions> options,
        Func<T, IEnumerable<string?>> text)
    {
        if (Check(query, options, out var page, out var size) is { } error)
        {
            return error.ToResult();
        }

        return TypedResults.Ok(Page(all, query.Q, page, size, text));
    }

    /// <summary>
    /// One page of a short list held in memory: the items that contain <paramref name="q"/> (case-insensitive)
    /// in one of <paramref name="text"/>'s fields, in the given order. The API's lists and the console's share it.
    /// </summary>
    public static PagedResult<T> Page<T>(IEnumerable<T> all, string? q, int page, int size, Func<T, IEnumerable<string?>> text)
    {
        var filter = q?.Trim();
        var matching = string.IsNullOrEmpty(filter)
            ? all.ToList()
            : all.Where(item => text(item).Any(field => field?.Contains(filter, StringComparison.OrdinalIgnoreCase) == true)).ToList();
        return new PagedResult<T>(matching.Skip((page - 1) * size).Take(size).ToList(), page, size, matching.Count);
    }
}
