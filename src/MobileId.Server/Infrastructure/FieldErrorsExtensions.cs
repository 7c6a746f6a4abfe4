using MobileId.Pki.Policies;

namespace MobileId.Server.Infrastructure;

/// <summary>Turns collected field failures into the API's answer.</summary>
public static class FieldErrorsExtensions
{
    /// <summary>The collected failures as a 400 problem (RFC 9457 <c>errors</c> map), or null when there are none.</summary>
    public static AppError? ToAppError(this FieldErrors errors) =>
        errors.Count == 0 ? null : AppError.Validation(errors.ToDictionary());
}
