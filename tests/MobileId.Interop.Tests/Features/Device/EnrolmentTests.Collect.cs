using System.Net.Http.Json;
using System.Security.Cryptography;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;

namespace MobileId.Interop.Tests.Features.Device;

public abstract partial class EnrolmentTests<TFixture>
{
    [Fact]
    public async Task Collect_CsrForTheSlot_GivesASignedPackageThatOpenSslVerifiesOnceAndConfirmIssues()
    {
        // Arrange: enrolled, with a device key for slot 0.
        var (personId, token, code, mobileId) = await RequestAsync();
        using var client = fixture.App.CreateClient();
        var serial = "SN-" + Guid.NewGuid().ToString("N")[..8];
        var session = (await MobileIdApp.ReadJsonAsync(await client.PostAsJsonAsync($"/device/v1/enrol/{token}", Body(code, serial))))
            .GetProperty("sessionToken").GetString()!;
        using var deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=device", deviceKey, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        HttpRequestMessage Call(string path, object? body, string? sessionToken) => SessionCall(path, body, sessionToken);
        var request = new { certificateRequests = new[] { new { slot = 0, csr } } };

        // Act
        var first = await client.SendAsync(Call($"/device/v1/collect/{mobileId}", request, session));
        var retried = await client.SendAsync(Call($"/device/v1/collect/{mobileId}", request, session));
        var wrongToken = await client.SendAsync(Call($"/device/v1/collect/{mobileId}", request, "not-the-token"));
        var confirmed = await client.SendAsync(Call($"/device/v1/confirm/{mobileId}", null, session));
        var confirmedAgain = await client.SendAsync(Call($"/device/v1/confirm/{mobileId}", null, session));
        var afterIssued = await client.SendAsync(Call($"/device/v1/collect/{mobileId}", request, session));

        // Assert: the package signature verifies with openssl against the content signing certificate.
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var signed = await MobileIdApp.ReadJsonAsync(first);
        var dir = Directory.CreateTempSubdirectory("mid-pkg-").FullName;
        var package = Convert.FromBase64String(signed.GetProperty("package").GetString()!);
        await File.WriteAllBytesAsync($"{dir}/package.json", package);
        await File.WriteAllBytesAsync($"{dir}/package.sig", Convert.FromBase64String(signed.GetProperty("signature").GetString()!));
        var signerChain = signed.GetProperty("signer").EnumerateArray().Select(c => System.Security.Cryptography.X509Certificates.X509CertificateLoader
            .LoadCertificate(Convert.FromBase64String(c.GetString()!))).ToList();
        await File.WriteAllTextAsync($"{dir}/signer.pem", signerChain[0].ExportCertificatePem());
        await File.WriteAllTextAsync($"{dir}/cas.pem", string.Concat(signerChain.Skip(1).Select(c => c.ExportCertificatePem() + "\n")));
        var pub = await ExternalTool.RunAsync("openssl", $"x509 -in {dir}/signer.pem -noout -pubkey -out {dir}/signer.pub");
        Assert.True(pub.Code == 0, pub.Output);
        var verify = await ExternalTool.RunAsync("openssl", $"dgst -sha256 -verify {dir}/signer.pub -signature {dir}/package.sig {dir}/package.json");
        Assert.True(verify.Code == 0 && verify.Output.Contains("Verified OK", StringComparison.Ordinal), verify.Output);
        var chainOk = await ExternalTool.RunAsync("openssl", $"verify -CAfile {dir}/cas.pem {dir}/signer.pem");
        Assert.True(chainOk.Code == 0, chainOk.Output);
        Assert.Contains("1.3.6.1.5.5.7.3.36", signerChain[0].Extensions.OfType<System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension>()
            .Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));

        // The certificate is for the device's key, chains to the CA, and a retry returns the same one.
        var content = JsonDocument.Parse(package).RootElement;
        var issued = content.GetProperty("certificates")[0];
        using var leaf = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Convert.FromBase64String(issued.GetProperty("certificate").GetString()!));
        Assert.Equal(deviceKey.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
        await File.WriteAllTextAsync($"{dir}/leaf.pem", leaf.ExportCertificatePem());
        var leafOk = await ExternalTool.RunAsync("openssl", $"verify -CAfile {dir}/cas.pem {dir}/leaf.pem");
        Assert.True(leafOk.Code == 0, leafOk.Output);
        var again = JsonDocument.Parse(Convert.FromBase64String((await MobileIdApp.ReadJsonAsync(retried)).GetProperty("package").GetString()!)).RootElement;
        Assert.Equal(issued.GetProperty("serialNumber").GetString(), again.GetProperty("certificates")[0].GetProperty("serialNumber").GetString());
        Assert.Equal(1, await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.CountAsync(c => c.MobileIdentityId == mobileId)));
        await MobileIdApp.AssertProblemAsync(wrongToken, 401, ErrorCodes.SessionInvalid);
        Assert.Equal("Issued", (await MobileIdApp.ReadJsonAsync(confirmed)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, confirmedAgain.StatusCode);
        await MobileIdApp.AssertProblemAsync(afterIssued, 409, ErrorCodes.Conflict);
        var actions = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .Where(a => a.TargetPersonId == personId).Select(a => a.Action).ToListAsync());
        Assert.Contains("mobile-id.code-redeemed", actions);
        Assert.Contains("device.enrolled", actions);
        Assert.Contains("mobile-id.collected", actions);
        Assert.Single(actions, a => a == "mobile-id.issued");
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Collect_ServerMadeRecoveredAndPfxKeys_ComeEncryptedToTheSessionKeyAndAgainOnRetry()
    {
        // Arrange: a profile with a server-made archived key, Use existing of the same policy, and the person's PFX uploads.
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var admin = await fixture.App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name = "mail-" + tag, ca = "MobileIdIssuingCA", keyAlgorithm = "EcdsaP256", keyUsage = new[] { "KeyAgreement" },
            extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.4" }, subjectTemplate = "CN={displayName}", validityDays = 365, keyGeneration = "Server", archive = true,
        })).StatusCode);
        var profile = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput("mail-phone-" + tag, null, null, null, null, null, null, null, null, CardFormat.None, null, null,
                [new ProfileCertificateInput("mail-" + tag, null, CertificateMode.IssueNew), new ProfileCertificateInput("mail-" + tag, null, CertificateMode.UseExisting),
                 new ProfileCertificateInput(null, null, CertificateMode.Unmanaged)],
                [new ProfileRoleInput("Cardholder", true, false, false, true, false)]), CancellationToken.None));
        Assert.True(profile.IsSuccess, profile.Error?.Detail);
        var person = await fixture.App.CreatePersonAsync("srv" + tag, null, $"srv{tag}@example.org", "Cardholder");
        using (var pfxKey = RSA.Create(2048))
        {
            using var external = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=External", pfxKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var pfx = external.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "pw");
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/pfx", new { pfx = Convert.ToBase64String(pfx), password = "pw" })).StatusCode);
        }

        var requested = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput("mail-phone-" + tag, null), CancellationToken.None));
        Assert.True(requested.IsSuccess, requested.Error?.Detail);
        using var sessionKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var client = fixture.App.CreateClient();
        var enrolled = await MobileIdApp.ReadJsonAsync(await client.PostAsJsonAsync($"/device/v1/enrol/{requested.Value!.Link.Split('/')[^1]}",
            Body(requested.Value.Code!, "SN-" + tag, "cli", [], Convert.ToBase64String(sessionKey.ExportSubjectPublicKeyInfo()))));
        var session = enrolled.GetProperty("sessionToken").GetString()!;
        async Task<JsonElement> CollectAsync()
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, $"/device/v1/collect/{requested.Value.Id}")
            {
                Content = JsonContent.Create(new { certificateRequests = Array.Empty<object>() }),
                Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Session", session) },
            };
            var response = await client.SendAsync(message);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            return JsonDocument.Parse(Convert.FromBase64String((await MobileIdApp.ReadJsonAsync(response)).GetProperty("package").GetString()!)).RootElement.Clone();
        }

        // Act
        var first = await CollectAsync();
        var retried = await CollectAsync();

        // Assert: every key decrypts with the session key and belongs to its certificate.
        var entries = first.GetProperty("certificates").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], entries.Select(e => e.GetProperty("slot").GetInt32()));
        foreach (var entry in entries)
        {
            var serial = entry.GetProperty("serialNumber").GetString()!;
            var encrypted = entry.GetProperty("key").Deserialize<EncryptedKey>(MobileIdApp.Json)!;
            var pkcs8 = MobileId.Pki.Keys.KeyDelivery.Decrypt(sessionKey, encrypted,
                MobileId.Pki.Keys.KeyDelivery.PackageContext(requested.Value.Id, entry.GetProperty("slot").GetInt32(), serial));
            using var key = MobileId.Pki.Keys.KeyPackages.FromPkcs8(pkcs8);
            using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Convert.FromBase64String(entry.GetProperty("certificate").GetString()!));
            Assert.Equal(certificate.PublicKey.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());
            Assert.Throws<AuthenticationTagMismatchException>(() => MobileId.Pki.Keys.KeyDelivery.Decrypt(sessionKey, encrypted,
                MobileId.Pki.Keys.KeyDelivery.PackageContext(requested.Value.Id, 9, serial)));
        }

        Assert.Equal(entries[0].GetProperty("serialNumber").GetString(), entries[1].GetProperty("serialNumber").GetString());
        Assert.Equal(entries.Select(e => e.GetProperty("serialNumber").GetString()), retried.GetProperty("certificates").EnumerateArray().Select(e => e.GetProperty("serialNumber").GetString()));
        using var confirm = new HttpRequestMessage(HttpMethod.Post, $"/device/v1/confirm/{requested.Value.Id}")
        {
            Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Session", session) },
        };
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(confirm)).StatusCode);
        Assert.False(await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates
            .AnyAsync(c => c.MobileIdentityId == requested.Value.Id && c.PendingKey != null)));

        // An update from the device that holds them all sends no key, and recovers no archived key again.
        Task<int> RecoveriesAsync() => fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .CountAsync(a => a.Action == "key.recovered" && a.TargetPersonId == person.Id));
        var recoveriesBefore = await RecoveriesAsync();
        using var updateKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var update = new HttpRequestMessage(HttpMethod.Post, $"/device/v1/update/{requested.Value.Id}")
        {
            Content = JsonContent.Create(new
            {
                sessionKey = Convert.ToBase64String(updateKey.ExportSubjectPublicKeyInfo()),
                held = entries.Select(e => e.GetProperty("serialNumber").GetString()).Distinct().ToList(),
                certificateRequests = Array.Empty<object>(),
            }),
            Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Session", session) },
        };
        var updated = await client.SendAsync(update);
        Assert.True(updated.StatusCode == HttpStatusCode.OK, await updated.Content.ReadAsStringAsync());
        var updatePackage = JsonDocument.Parse(Convert.FromBase64String((await MobileIdApp.ReadJsonAsync(updated)).GetProperty("package").GetString()!)).RootElement;
        Assert.Equal(entries.Select(e => e.GetProperty("serialNumber").GetString()),
            updatePackage.GetProperty("certificates").EnumerateArray().Select(e => e.GetProperty("serialNumber").GetString()));
        Assert.All(updatePackage.GetProperty("certificates").EnumerateArray(), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("key").ValueKind));
        Assert.Equal(recoveriesBefore, await RecoveriesAsync());
    }

    [Theory]
    [InlineData("ios", true)]
    [InlineData("android", false)]
    public async Task Collect_SystemStoreCertificatesOfDifferentValidity_ShareOneExpiryOnIosOnly(string platform, bool shared)
    {
        // Arrange: two System Store certificates, valid 365 and 200 days.
        var (_, token, code, mobileId) = await RequestAsync(DeviceRestriction.Any, (365, "MobileIdIssuingCA"), (200, "MobileIdIssuingCA"));
        using var client = fixture.App.CreateClient();

        // Act
        var (session, package) = await EnrolAndCollectAsync(client, token, code, mobileId, "SN-" + Guid.NewGuid().ToString("N")[..8], platform, 2);
        var retried = await client.SendAsync(SessionCall($"/device/v1/collect/{mobileId}", new { certificateRequests = Array.Empty<object>() }, session));

        // Assert
        var ends = package.GetProperty("certificates").EnumerateArray()
            .Select(e => System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Convert.FromBase64String(e.GetProperty("certificate").GetString()!)).NotAfter.ToUniversalTime())
            .ToList();
        Assert.Equal(2, ends.Count);
        Assert.InRange(ends.Min(), DateTime.UtcNow.AddDays(200).AddMinutes(-10), DateTime.UtcNow.AddDays(200));
        Assert.Equal(shared, ends[0] == ends[1]);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }

    [Fact]
    public async Task Collect_ProfileOverTwoIssuingCas_PackageCarriesTheChainOfEach()
    {
        // Arrange
        var second = "Second" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = await fixture.App.AdminClientAsync())
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/authorities", new { name = second, parent = "MobileIdRootCA" })).StatusCode);
        }

        var (_, token, code, mobileId) = await RequestAsync(DeviceRestriction.Any, (365, "MobileIdIssuingCA"), (365, second));
        using var client = fixture.App.CreateClient();

        // Act
        var (_, package) = await EnrolAndCollectAsync(client, token, code, mobileId, "SN-" + Guid.NewGuid().ToString("N")[..8], "android", 2);

        // Assert: each certificate chains through the package's chain to its root.
        var chain = package.GetProperty("chain").EnumerateArray()
            .Select(c => System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c.GetString()!))).ToList();
        Assert.Equal(3, chain.Count);
        Assert.Equal(3, chain.Select(c => c.Subject).Distinct().Count());
        foreach (var entry in package.GetProperty("certificates").EnumerateArray())
        {
            using var leaf = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Convert.FromBase64String(entry.GetProperty("certificate").GetString()!));
            using var build = new System.Security.Cryptography.X509Certificates.X509Chain();
            build.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            build.ChainPolicy.CustomTrustStore.AddRange(chain.Where(c => c.Subject == c.Issuer).ToArray());
            build.ChainPolicy.ExtraStore.AddRange(chain.ToArray());
            build.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            Assert.True(build.Build(leaf), $"{leaf.Subject} from {leaf.Issuer} does not chain: {string.Join("; ", build.ChainStatus.Select(st => st.StatusInformation))}");
        }

        Assert.Contains(chain, c => c.Subject.Contains(second, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_InterruptedCollection_RevokesWhatItIssuedAndLetsTheCodeCollectAgainOnce()
    {
        // Arrange: a collection that got its certificate and never confirmed.
        var (personId, token, code, mobileId) = await RequestAsync();
        using var client = fixture.App.CreateClient();
        var serial = "SN-" + Guid.NewGuid().ToString("N")[..8];
        var (session, first) = await EnrolAndCollectAsync(client, token, code, mobileId, serial, "android", 1);

        // Act
        var wrongToken = await client.SendAsync(SessionCall($"/device/v1/cancel/{mobileId}", null, "not-the-token"));
        var cancelled = await client.SendAsync(SessionCall($"/device/v1/cancel/{mobileId}", null, session));
        var staleSession = await client.SendAsync(SessionCall($"/device/v1/collect/{mobileId}", new { certificateRequests = Array.Empty<object>() }, session));
        var (session2, second) = await EnrolAndCollectAsync(client, token, code, mobileId, serial + "-new", "android", 1);
        var confirmed = await client.SendAsync(SessionCall($"/device/v1/confirm/{mobileId}", null, session2));

        // Assert
        await MobileIdApp.AssertProblemAsync(wrongToken, 401, ErrorCodes.SessionInvalid);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(cancelled);
        var firstSerial = first.GetProperty("certificates")[0].GetProperty("serialNumber").GetString();
        Assert.Equal("ReadyToCollect", body.GetProperty("status").GetString());
        Assert.Equal([firstSerial], body.GetProperty("revokedSerialNumbers").EnumerateArray().Select(e => e.GetString()));
        await MobileIdApp.AssertProblemAsync(staleSession, 401, ErrorCodes.SessionInvalid);
        var secondSerial = second.GetProperty("certificates")[0].GetProperty("serialNumber").GetString();
        Assert.NotEqual(firstSerial, secondSerial);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var certificates = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates
            .Where(c => c.MobileIdentityId == mobileId).OrderBy(c => c.CreatedAt).Select(c => new { c.SerialHex, c.Status, c.RevocationReason }).ToListAsync());
        Assert.Equal(2, certificates.Count);
        Assert.Equal((CertificateStatus.Revoked, 5), (certificates[0].Status, certificates[0].RevocationReason));
        Assert.Equal(CertificateStatus.Valid, certificates[1].Status);
        var actions = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .Where(a => a.TargetPersonId == personId).Select(a => a.Action).ToListAsync());
        Assert.Contains("mobile-id.collection-cancelled", actions);
        Assert.Contains("certificate.revoked", actions);
    }
}
