namespace MobileId.Server.Infrastructure;

/// <summary>The database MobileId keeps its data in.</summary>
public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>The database, under <c>MobileId:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Required for PostgreSQL; for SQLite the default is <c>Data Source={DataDirectory}/mobileid.db</c>.</summary>
    public string? ConnectionString { get; set; }
}
