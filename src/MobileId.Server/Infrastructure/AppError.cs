using System.Diagnostics.CodeAnalysis;
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

    /// <summary>The value; not null when <see cref="IsSuccess"/>.</summary>
    public T? Value { get; }

    /// <summary>Why there is no value; not null when <see cref="IsFailure"/>.</summary>
    public AppError? Error { get; }

    // Note: a success always carries a value: the implicit conversion below is the only way to make one
    // (a default Result has neither and counts as a success with no value; nothing makes one).
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>The opposite of <see cref="IsSuccess"/>: there is an <see cref="Error"/> and no value.</summary>
    [MemberNotNullWhen(true, nameof(Error))]
    [MemberNotNullWhen(false, nameof(Value))]
    public bool IsFailure => Error is not null;

    public static implicit operator Result<T>(T value) => new(value, null);
    public static implicit operator Result<T>(AppError error) => new(default, error);
}

/// <summary>Turns service results into endpoint answers.</summary>
public static class ResultExtensions
{
    /// <summary>200 with the value, or the error as problem details.</summary>
    public static Results<Ok<T>, ProblemHttpResult> ToOkResult<T>(this Result<T> result) =>
        result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
}
