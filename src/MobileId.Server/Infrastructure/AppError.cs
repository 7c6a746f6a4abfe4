using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace MobileId.Server.Infrastructure;

/// <summary>
/// An expected failure: what the caller did wrong, in words the caller can act on. Services
/// return these; endpoints turn them into RFC 9457 problem details.
/// </summary>
public sealed record AppError(int Status, string Code, string Title, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null,
    IReadOnlyDictionary<string, object?>? Extensions = null)
{
    public static AppError NotFound(string what) =>
        new(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found", $"{what} does not exist.");

    public static AppError Conflict(string detail) =>
        new(StatusCodes.Status409Conflict, ErrorCodes.Conflict, "Conflict", detail);

    public static AppError BadRequest(string detail) =>
        new(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "Bad request", detail);

    public static AppError Forbidden(string code, string detail) =>
        new(StatusCodes.Status403Forbidden, code, "Forbidden", detail);

    public static AppError Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null) =>
        new(StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, "Validation failed",
            detail ?? string.Join(" ", errors.SelectMany(e => e.Value)), errors);

    public static AppError Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public ProblemDetails ToProblemDetails()
    {
        ProblemDetails problem = Errors is null
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(Errors.ToDictionary(e => e.Key, e => e.Value));
        problem.Status = Status;
        problem.Type = ErrorCodes.TypeUri(Code);
        problem.Title = Title;
        problem.Detail = Detail;
        problem.Extensions["code"] = Code;
        foreach (var (key, value) in Extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    public ProblemHttpResult ToResult() => TypedResults.Problem(ToProblemDetails());
}

/// <summary>A value or the <see cref="AppError"/> that explains why there is none.</summary>
public readonly struct Result<T>
{
    private Result(T? value, AppError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }
    public AppError? Error { get; }
    public bool IsSuccess => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);
    public static implicit operator Result<T>(AppError error) => new(default, error);
}

/// <summary>Turns service results into endpoint answers.</summary>
public static class ResultExtensions
{
    /// <summary>200 with the value, or the error as problem details.</summary>
    public static Results<Ok<T>, ProblemHttpResult> ToOkResult<T>(this Result<T> result) =>
        result.IsSuccess ? TypedResults.Ok(result.Value!) : result.Error!.ToResult();
}
