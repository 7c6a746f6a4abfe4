using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace MobileId.Server.Infrastructure;

/// <summary>
/// Turns request-reading failures into problem details that say what is wrong with the request,
/// and anything unexpected into a bare 500 whose cause stays in the server log.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var error = Describe(exception);
        if (error is null)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            error = new AppError(StatusCodes.Status500InternalServerError, ErrorCodes.InternalError, "Internal server error",
                "The server could not complete the request. The cause is recorded in the server log under the trace identifier.");
        }

        httpContext.Response.StatusCode = error.Status;
        var problem = error.ToProblemDetails();
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static bool IsUniqueViolation(Exception? inner) => inner switch
    {
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.Message.Contains("UNIQUE", StringComparison.Ordinal),
        Npgsql.PostgresException postgres => postgres.SqlState == "23505",
        _ => false,
    };

    internal static AppError? Describe(Exception exception)
    {
        if (exception is DbUpdateConcurrencyException)
        {
            return AppError.Conflict("The record was changed by someone else since you read it. Reload it and try again.");
        }

        if (exception is DbUpdateException { InnerException: var inner } && IsUniqueViolation(inner))
        {
            // Note: two requests that create the same thing at the same moment both pass the checks;
            // the database's unique index lets one win, and the other is told to look again.
            return AppError.Conflict("Another request created the same record at the same moment. Reload and try again; nothing was saved twice.");
        }

        if (exception is not BadHttpRequestException bad)
        {
            return null;
        }

        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge || FindInner<BodyTooLargeException>(bad) is not null)
        {
            return new AppError(StatusCodes.Status413PayloadTooLarge, ErrorCodes.BodyTooLarge, "Request body too large",
                "The request body is larger than this endpoint accepts.");
        }

        if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return new AppError(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Unsupported media type",
                "This endpoint takes a JSON body: send Content-Type: application/json.");
        }

        if (FindInner<JsonException>(bad) is { } json)
        {
            var where = json.Path is { Length: > 0 } path ? $" at '{path}'" : "";
            var position = json.LineNumber is { } line
                ? $" (line {line + 1}, position {json.BytePositionInLine.GetValueOrDefault() + 1})"
                : "";
            if (json.Message.Contains("could not be mapped", StringComparison.Ordinal))
            {
                var field = json.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : json.Path;
                return new AppError(StatusCodes.Status400BadRequest, ErrorCodes.UnknownField, "Unknown field",
                    $"The request body has a field this endpoint does not know: '{field}'. Remove it or check its spelling.");
            }

            return new AppError(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson, "Invalid JSON",
                $"The request body is not valid JSON, or a value has the wrong type{where}{position}.");
        }

        if (bad.Message.Contains("no body was provided", StringComparison.OrdinalIgnoreCase) ||
            bad.Message.Contains("Required parameter", StringComparison.OrdinalIgnoreCase) && bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
        {
            return AppError.BadRequest("The request body is missing: this endpoint takes a JSON object.");
        }

        if (BindFailure().Match(bad.Message) is { Success: true } bind)
        {
            var type = bind.Groups["type"].Value;
            var expected = type switch
            {
                _ when type.Contains("int", StringComparison.OrdinalIgnoreCase) => "a whole number",
                _ when type.Contains("Guid", StringComparison.Ordinal) => "an identifier such as 0196a1b2-…",
                _ when type.Contains("bool", StringComparison.OrdinalIgnoreCase) => "true or false",
                _ when type.Contains("DateTime", StringComparison.Ordinal) => "a date and time such as 2026-01-31T12:00:00Z",
                _ => "one of the values this parameter takes",
            };
            return AppError.Validation(bind.Groups["name"].Value,
                $"'{bind.Groups["value"].Value}' is not a valid value for '{bind.Groups["name"].Value}': it must be {expected}.");
        }

        if (bad.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) ||
            bad.Message.StartsWith("Required parameter", StringComparison.Ordinal))
        {
            // The framework's text names the parameter and the value; it holds no internals.
            return AppError.BadRequest(bad.Message.Replace("\"", "'", StringComparison.Ordinal));
        }

        return new AppError(bad.StatusCode, ErrorCodes.BadRequest, "Bad request", "The request could not be read.");
    }

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>\\w+)\" from \"(?<value>.*)\"\\.$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    private static T? FindInner<T>(Exception exception) where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}

/// <summary>Thrown by <see cref="BodyLimitMiddleware"/> when a body exceeds its limit.</summary>
internal sealed class BodyTooLargeException(long limit) : IOException($"The request body exceeds {limit} bytes.");

/// <summary>Marks an endpoint that takes uploads (photos, CSV files) and so a larger body.</summary>
public sealed class UploadEndpointMetadata;

/// <summary>
/// Caps request bodies: JSON endpoints at <see cref="ApiOptions.MaxRequestBodyBytes"/>, uploads at
/// <see cref="ApiOptions.MaxUploadBytes"/>. Works with Kestrel and with hosts that have no limit feature.
/// </summary>
internal sealed class BodyLimitMiddleware(RequestDelegate next, Microsoft.Extensions.Options.IOptions<ApiOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var upload = context.GetEndpoint()?.Metadata.GetMetadata<UploadEndpointMetadata>() is not null;
        var limit = upload ? options.Value.MaxUploadBytes : options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        var feature = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }

        if (context.Request.ContentLength is null && !upload && HasBody(context.Request))
        {
            // Note: a chunked JSON body is read into memory first (it is small by definition),
            // because the JSON binder reports read failures as a dropped connection, not a 413.
            return BufferAsync(context, limit);
        }

        context.Request.Body = new LimitedReadStream(context.Request.Body, limit);
        return next(context);
    }

    private static bool HasBody(HttpRequest request) =>
        request.Headers.TransferEncoding.Count > 0 || HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method);

    private async Task BufferAsync(HttpContext context, long limit)
    {
        var buffer = new MemoryStream();
        await new LimitedReadStream(context.Request.Body, limit).CopyToAsync(buffer, context.RequestAborted);
        buffer.Position = 0;
        context.Request.Body = buffer;
        context.Request.ContentLength = buffer.Length;
        await next(context);
    }
}

internal sealed class LimitedReadStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int n)
    {
        _read += n;
        if (_read > limit)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge, new BodyTooLargeException(limit));
        }

        return n;
    }
}
