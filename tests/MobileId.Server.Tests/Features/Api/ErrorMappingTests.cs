using Microsoft.EntityFrameworkCore;
using MobileId.Server.Infrastructure;

namespace MobileId.Server.Tests.Features.Api;

public sealed class ErrorMappingTests
{
    [Fact]
    public void Describe_UniqueIndexViolation_IsA409OnBothDatabases()
    {
        var sqlite = new DbUpdateException("save failed", new Microsoft.Data.Sqlite.SqliteException("SQLite Error 19: 'UNIQUE constraint failed: issued_certificates.MobileIdentityId'.", 19));
        var postgres = new DbUpdateException("save failed", new Npgsql.PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", "23505"));
        var otherConstraint = new DbUpdateException("save failed", new Microsoft.Data.Sqlite.SqliteException("SQLite Error 19: 'FOREIGN KEY constraint failed'.", 19));

        Assert.Equal(409, ProblemExceptionHandler.Describe(sqlite)?.Status);
        Assert.Equal(409, ProblemExceptionHandler.Describe(postgres)?.Status);
        Assert.Null(ProblemExceptionHandler.Describe(otherConstraint));
    }
}
