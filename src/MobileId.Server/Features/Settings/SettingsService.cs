using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using D = MobileId.Server.Features.Settings.SettingDefinitions;

namespace MobileId.Server.Features.Settings;

/// <summary>The Operation Settings in force, typed. Read it through <see cref="SettingsService"/>.</summary>
public sealed class OperationSettings(IReadOnlyDictionary<string, object> values)
{
    public IReadOnlyDictionary<string, object> Values { get; } = values;

    public string MobileCertificateRecoveryServiceUrl => Text(D.MobileCertificateRecoveryServiceUrl);
    public string WebServerExternalAddress => Text(D.WebServerExternalAddress);
    public string CertificateRecoveryPasswordComplexity => Text(D.CertificateRecoveryPasswordComplexity);
    public (int Min, int Max) OneTimeCodeLength => D.ParseComplexity(CertificateRecoveryPasswordComplexity)!.Value;
    public string IosOtaCredentialProfile => Text(D.IosOtaCredentialProfile);
    public string IosOtaOrganization => Text(D.IosOtaOrganization);
    public string IosOtaDisplayName => Text(D.IosOtaDisplayName);
    public string IosOtaDescription => Text(D.IosOtaDescription);
    public bool VerifyFingerprintsDuringCardUpdate => Flag(D.VerifyFingerprintsDuringCardUpdate);
    public bool VerifyFingerprintsDuringCardUnlock => Flag(D.VerifyFingerprintsDuringCardUnlock);
    public string ImageUploadServer => Text(D.ImageUploadServer);
    public int MaximumSessionCount => Number(D.MaximumSessionCount);
    public string AdministratorEmailAddress => Text(D.AdministratorEmailAddress);
    public int LogLevel => Number(D.LogLevel);
    public int MaximumLogStorageSpace => Number(D.MaximumLogStorageSpace);
    public int MaximumNumberOfLogFiles => Number(D.MaximumNumberOfLogFiles);
    public int MaximumRetryAttempts => Number(D.MaximumRetryAttempts);
    public int MinimumRetryDelay => Number(D.MinimumRetryDelay);
    public bool MobileProvisionViaEmail => Flag(D.MobileProvisionViaEmail);
    public bool MobileProvisionViaSms => Flag(D.MobileProvisionViaSms);
    public bool SendMobileOtpViaSms => Flag(D.SendMobileOtpViaSms);
    public string MailFormat => Text(D.MailFormat);
    public bool SmsEmailNotifications => Flag(D.SmsEmailNotifications);
    public string SmsGatewayUrlForNotifications => Text(D.SmsGatewayUrlForNotifications);

    /// <summary>The device protocol base address: the recovery service URL, or the external address + /device/v1.</summary>
    public string DeviceProtocolAddress => MobileCertificateRecoveryServiceUrl.Length > 0
        ? MobileCertificateRecoveryServiceUrl.TrimEnd('/')
        : WebServerExternalAddress.TrimEnd('/') + "/device/v1";

    private string Text(SettingDefinition d) => (string)Values[d.Key];
    private bool Flag(SettingDefinition d) => (bool)Values[d.Key];
    private int Number(SettingDefinition d) => (int)Values[d.Key];
}

/// <summary>A setting as the API and console show it; <paramref name="Choices"/> only for a setting with a fixed set of values.</summary>
public sealed record SettingView(string Key, string Name, string Tab, string Type, JsonElement Value, JsonElement Default, string Description,
    IReadOnlyList<SettingChoiceView>? Choices);

/// <summary>An allowed value of a setting and its label.</summary>
public sealed record SettingChoiceView(JsonElement Value, string Label);

/// <summary>
/// The one way to read and change Operation Settings (PRODUCT.md §8): typed, validated on
/// save with messages that name the setting and the rule, every change audited with old and new value.
/// </summary>
public sealed class SettingsService(MobileIdDbContext db, AuditTrail audit, SettingsCache cache, TimeProvider time)
{
    /// <summary>The settings in force: from this node's copy (at most a second old), else from the database.</summary>
    public async Task<OperationSettings> GetAsync(CancellationToken cancellationToken)
    {
        if (cache.TryGet(out var cached, out var generation))
        {
            return cached;
        }

        var loaded = new OperationSettings(await LoadAsync(cancellationToken));
        cache.Store(loaded, generation);
        return loaded;
    }

    public async Task<IReadOnlyList<SettingView>> ListAsync(CancellationToken cancellationToken)
    {
        var values = await LoadAsync(cancellationToken);
        return D.All.Select(d => View(d, values[d.Key])).ToList();
    }

    /// <summary>Applies all changes or none. Unknown keys, wrong types and broken rules are all reported together.</summary>
    public async Task<Result<IReadOnlyList<SettingView>>> UpdateAsync(Caller caller, IReadOnlyDictionary<string, JsonElement> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return AppError.BadRequest("Name at least one setting to change, for example {\"values\": {\"logLevel\": 3}}.");
        }

        var current = await LoadAsync(cancellationToken);
        var proposed = new Dictionary<string, object>(current, StringComparer.Ordinal);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (key, json) in changes)
        {
            if (!D.ByKey.TryGetValue(key, out var definition))
            {
                Add(errors, key, $"'{key}' is not an Operation Setting. Known settings: {string.Join(", ", D.All.Select(d => d.Key))}.");
                continue;
            }

            var (value, error) = definition.Parse(json);
            if (error is not null)
            {
                Add(errors, key, error);
                continue;
            }

            proposed[key] = value!;
        }

        if (errors.Count == 0)
        {
            foreach (var (key, message) in D.CrossRules(proposed))
            {
                Add(errors, key, message);
            }
        }

        if (errors.Count > 0)
        {
            return AppError.Validation(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }

        var stored = await db.Settings.ToDictionaryAsync(s => s.Key, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var definition in D.All)
        {
            var oldValue = current[definition.Key];
            var newValue = proposed[definition.Key];
            if (Equals(oldValue, newValue))
            {
                continue;
            }

            var json = JsonSerializer.Serialize(newValue);
            if (stored.TryGetValue(definition.Key, out var row))
            {
                row.Json = json;
                row.UpdatedAt = now;
                row.UpdatedBy = caller.Name;
            }
            else
            {
                db.Settings.Add(new SettingValue { Key = definition.Key, Json = json, UpdatedAt = now, UpdatedBy = caller.Name });
            }

            audit.Record(caller, "setting.changed", Workflow.OperationSettings, AuditTarget.Setting(definition.Key), AuditOutcome.Success,
                new { setting = definition.Name, oldValue, newValue });
        }

        // Commit: every changed setting and their audit records together, once, before the cache is invalidated.
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate();
        return D.All.Select(d => View(d, proposed[d.Key])).ToList();
    }

    private async Task<Dictionary<string, object>> LoadAsync(CancellationToken cancellationToken)
    {
        var values = D.All.ToDictionary(d => d.Key, d => d.Default, StringComparer.Ordinal);
        var stored = await db.Settings.AsNoTracking().ToListAsync(cancellationToken);
        foreach (var row in stored)
        {
            if (!D.ByKey.TryGetValue(row.Key, out var definition))
            {
                continue;
            }

            using var json = JsonDocument.Parse(row.Json);
            var (value, error) = definition.Parse(json.RootElement);
            // Note: a stored value that no longer meets its rule (a rule tightened in an upgrade)
            // falls back to the default rather than stopping the server.
            if (error is null)
            {
                values[row.Key] = value!;
            }
        }

        return values;
    }

    private static SettingView View(SettingDefinition d, object value) =>
        new(d.Key, d.Name, d.Tab, d.Kind.ToString().ToLowerInvariant(), d.ToJson(value), d.ToJson(d.Default), d.Description,
            d.Choices?.Select(c => new SettingChoiceView(d.ToJson(c.Value), c.Label)).ToList());

    private static void Add(Dictionary<string, List<string>> errors, string key, string message)
    {
        if (!errors.TryGetValue(key, out var list))
        {
            errors[key] = list = [];
        }

        list.Add(message);
    }
}

/// <summary>
/// This node's copy of the Operation Settings, so the hot paths (every device request, OCSP, issuance)
/// do not read the settings table each time. A change saved on this node applies at once; one
/// saved on another node within <see cref="Lifetime"/>.
/// </summary>
public sealed class SettingsCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private OperationSettings? _settings;
    private long _loadedAt;
    private long _generation;

    /// <summary>The copy when it is fresh; otherwise false and the generation a load must present to <see cref="Store"/>.</summary>
    public bool TryGet([NotNullWhen(true)] out OperationSettings? settings, out long generation)
    {
        lock (_lock)
        {
            generation = _generation;
            settings = _settings is not null && Environment.TickCount64 - _loadedAt < Lifetime.TotalMilliseconds ? _settings : null;
            return settings is not null;
        }
    }

    /// <summary>Keeps what was loaded, unless a change was saved since the load began (then the next read loads again).</summary>
    public void Store(OperationSettings settings, long generation)
    {
        lock (_lock)
        {
            if (generation == _generation)
            {
                _settings = settings;
                _loadedAt = Environment.TickCount64;
            }
        }
    }

    public void Invalidate()
    {
        lock (_lock)
        {
            _generation++;
            _settings = null;
        }
    }
}
