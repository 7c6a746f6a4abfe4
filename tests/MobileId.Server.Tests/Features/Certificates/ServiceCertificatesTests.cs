using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using MobileId.Server.Features.Device;
using MobileId.Server.Features.Issuance;

namespace MobileId.Server.Tests.Features.Certificates;

/// <summary>
/// The CAs' service certificates (content signer, OCSP responder, SCEP/EST registration authority)
/// are issued certificates like any other: recorded with their purpose, audited, and kept across
/// the migration that moved them out of their own tables.
/// </summary>
public abstract class ServiceCertificatesTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    [Theory]
    [InlineData(CertificatePurpose.ContentSigner)]
    [InlineData(CertificatePurpose.OcspResponder)]
    [InlineData(CertificatePurpose.RegistrationAuthority)]
    public async Task ServiceCertificate_FirstUse_IsListedWithTheIssuedCertificatesAndAudited(CertificatePurpose purpose)
    {
        // Arrange
        var caId = await IssuingCaIdAsync();

        // Act
        var credential = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ICertificateIssuer>()
            .ServiceCertificateAsync(new ServiceCertificateRequest(caId, purpose, TimeSpan.FromDays(30), "Example"), CancellationToken.None));

        // Assert
        var (record, audited, listed) = await fixture.App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var row = await db.IssuedCertificates.AsNoTracking().SingleAsync(c => c.Id == credential.Record.Id);
            var audit = await db.AuditRecords.AsNoTracking().AnyAsync(a => a.Action == "certificate.issued" && a.TargetId == row.SerialHex);
            var all = await s.GetRequiredService<ICertificateIssuer>().ServiceCertificatesAsync(purpose, CancellationToken.None);
            return (row, audit, all);
        });
        Assert.Equal(purpose, record.Purpose);
        Assert.Equal(CertificateStatus.Valid, record.Status);
        Assert.Null(record.PersonId);
        Assert.True(audited);
        Assert.Contains(listed, c => c.Id == record.Id);
        Assert.Equal(SerialNumbers(record.Der), record.SerialHex);
        Assert.Equal(purpose == CertificatePurpose.RegistrationAuthority, credential.Certificate.HasPrivateKey);
        Assert.Equal(purpose == CertificatePurpose.RegistrationAuthority, credential.Key is null);
    }

    [Fact]
    public async Task ListServiceCertificates_AfterAnOcspResponderIsIssued_ListsItWithItsPurposeAndSerial()
    {
        // Arrange
        var caId = await IssuingCaIdAsync();
        var credential = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ICertificateIssuer>()
            .ServiceCertificateAsync(new ServiceCertificateRequest(caId, CertificatePurpose.OcspResponder, TimeSpan.FromDays(30)), CancellationToken.None));
        using var admin = await fixture.App.AdminClientAsync();

        // Act
        var response = await admin.GetAsync("/api/v1/authorities/MobileIdIssuingCA/service-certificates");

        // Assert
        var list = (await MobileIdApp.ReadJsonAsync(response)).EnumerateArray().ToList();
        var listed = Assert.Single(list, c => c.GetProperty("id").GetGuid() == credential.Record.Id);
        Assert.Equal("OcspResponder", listed.GetProperty("purpose").GetString());
        Assert.Equal(credential.Certificate.SerialNumber, listed.GetProperty("serialNumber").GetString());
        Assert.Equal("Valid", listed.GetProperty("status").GetString());
        Assert.DoesNotContain(list, c => c.GetProperty("purpose").GetString() == "EndEntity");
    }

    [Fact]
    public async Task ListServiceCertificates_UnknownCa_Answers404Problem()
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();

        // Act
        var response = await admin.GetAsync("/api/v1/authorities/NoSuchCA/service-certificates");

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("NoSuchCA", (await MobileIdApp.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceCertificate_AskedAgain_IsTheSameCertificate()
    {
        // Arrange
        var caId = await IssuingCaIdAsync();
        var request = new ServiceCertificateRequest(caId, CertificatePurpose.OcspResponder, TimeSpan.FromDays(7));

        // Act
        var first = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ICertificateIssuer>().ServiceCertificateAsync(request, CancellationToken.None));
        var second = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ICertificateIssuer>().ServiceCertificateAsync(request, CancellationToken.None));

        // Assert
        Assert.Equal(first.Record.Id, second.Record.Id);
    }

    [Fact]
    public async Task Migration_DatabaseAtThePreviousSchemaWithAContentSigner_KeepsItUsable()
    {
        // Arrange: a content signer in the schema before service certificates joined the issued certificates.
        var caId = await IssuingCaIdAsync();
        var signer = await fixture.App.Services.GetRequiredService<ContentSigner>().ForAsync(caId, CancellationToken.None);
        using var signerCertificate = X509CertificateLoader.LoadCertificate(signer.Chain[0]);
        var before = await fixture.App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var row = await db.IssuedCertificates.AsNoTracking()
                .Where(c => c.IssuerId == caId && c.Purpose == CertificatePurpose.ContentSigner).OrderByDescending(c => c.NotAfter).FirstAsync();
            var previous = db.Database.GetMigrations().Last(m => m.EndsWith("_Ota", StringComparison.Ordinal));
            await db.GetService<IMigrator>().MigrateAsync(previous);
            return row;
        });
        var oldRows = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Database
            .SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM content_signers").SingleAsync());

        // Act
        await fixture.App.WithDbAsync(db => db.Database.MigrateAsync());

        // Assert
        Assert.True(oldRows >= 1);
        var after = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.AsNoTracking().SingleAsync(c => c.Id == before.Id));
        Assert.Equal(CertificatePurpose.ContentSigner, after.Purpose);
        Assert.Equal(before.KeyId, after.KeyId);
        Assert.Equal(before.SerialHex, after.SerialHex);
        Assert.Equal(before.Der, after.Der);
        Assert.Equal(before.NotAfter, after.NotAfter);
        var credential = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ICertificateIssuer>()
            .ServiceCertificateAsync(new ServiceCertificateRequest(caId, CertificatePurpose.ContentSigner, TimeSpan.FromDays(30)), CancellationToken.None));
        Assert.Equal(before.Id, credential.Record.Id);
        var data = "package"u8.ToArray();
        var signature = credential.Key!.SignData(data, HashAlgorithmName.SHA256);
        using var publicKey = signerCertificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    private static string SerialNumbers(byte[] der)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        return certificate.SerialNumber;
    }

    private Task<Guid> IssuingCaIdAsync() => fixture.App.WithServicesAsync(s =>
        s.GetRequiredService<MobileIdDbContext>().CertificateAuthorities.AsNoTracking().Where(c => c.Name == "MobileIdIssuingCA").Select(c => c.Id).SingleAsync());
}

public sealed class SqliteServiceCertificatesTests(SqliteAppFixture fixture) : ServiceCertificatesTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresServiceCertificatesTests(PostgresAppFixture fixture) : ServiceCertificatesTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
