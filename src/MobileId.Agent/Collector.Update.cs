using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MobileId.Agent.Commands;
using MobileId.Pki.Keys;

namespace MobileId.Agent;

/// <summary>What <c>update</c> did to one mobile ID.</summary>
/// <param name="Status">Issued, Disabled or Cancelled, as the server says.</param>
/// <param name="Renewed">Certificates that replaced one of the same slot.</param>
/// <param name="Added">Certificates new to the store.</param>
/// <param name="Removed">Certificates dropped from the store (superseded, revoked, or all of a cancelled mobile ID).</param>
public sealed record UpdateSummary(Guid MobileId, string Profile, MobileIdStatus Status, int Renewed, int Added, int Removed);

/// <summary>
/// Collect My Updates (docs/protocol.md): with the collection's session token, the agent sends the
/// serials it holds and receives one signed package: status, the current certificate set, what to
/// remove, the slots that need a new key, the policy and the badge. Keys for those slots are made
/// and kept sealed in the store until installed, so an interrupted update resumes with the same
/// keys and the server issues nothing twice. A cancelled mobile ID is wiped from the store.
/// </summary>
public sealed partial class Collector
{
    public async Task<UpdateSummary> UpdateAsync(StoredIdentity identity, AgentStore store, CancellationToken cancellationToken)
    {
        var mobileId = identity.MobileId;
        if (identity.SessionToken is null)
        {
            throw new RefusedException($"Mobile ID {mobileId} was collected without a session this agent kept, so it cannot ask for its updates; collect it again.");
        }

        var token = Encoding.UTF8.GetString(store.Unseal(identity.SessionToken, TokenContext(mobileId)));
        var protocolBase = new Uri(identity.Server);
        using var sessionKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        await Say($"Asking {protocolBase.Host} for the updates of mobile ID {mobileId}…");
        var content = await PostUpdateAsync(identity, protocolBase, sessionKey, token, store, cancellationToken);
        var status = content.Status;
        if (status == MobileIdStatus.Cancelled)
        {
            store.Contents.Identities.RemoveAll(i => i.MobileId == mobileId);
            store.Save();
            log.Warning($"mobile ID {mobileId} was cancelled by its issuer: removed with its {identity.Certificates.Count} certificate(s) and keys");
            return new UpdateSummary(mobileId, identity.Profile, status, 0, 0, identity.Certificates.Count);
        }

        store.Contents.Policy = content.Policy ?? store.Contents.Policy;
        Policy = store.Contents.Policy;
        identity.Disabled = status == MobileIdStatus.Disabled;
        if (identity.Disabled)
        {
            store.Save();
            log.Warning($"mobile ID {mobileId} is disabled by its issuer; its certificates are kept");
            return new UpdateSummary(mobileId, identity.Profile, status, 0, 0, 0);
        }

        var made = 0;
        foreach (var slot in content.Renew)
        {
            var number = slot.Slot;
            if (!identity.UpdateKeys.ContainsKey(number))
            {
                using var key = KeyPackages.Generate(Enum.Parse<KeyAlgorithm>(slot.KeyAlgorithm));
                var pkcs8 = key.ExportPkcs8PrivateKey();
                identity.UpdateKeys[number] = store.Seal(pkcs8, UpdateKeyContext(mobileId, number));
                CryptographicOperations.ZeroMemory(pkcs8);
                made++;
            }
        }

        if (made > 0)
        {
            store.Save();
            log.Info($"made {made} key(s) for the renewal of mobile ID {mobileId}");
            await Say($"Made {made} new key(s) on this device; sending their certificate requests…");
            content = await PostUpdateAsync(identity, protocolBase, sessionKey, token, store, cancellationToken);
        }

        return await InstallUpdateAsync(identity, content, protocolBase, sessionKey, token, store, cancellationToken);
    }

    /// <summary>POSTs the update (with CSRs for the kept update keys) and returns the verified package's content.</summary>
    private async Task<UpdateContent> PostUpdateAsync(StoredIdentity identity, Uri protocolBase, ECDiffieHellman sessionKey, string token, AgentStore store,
        CancellationToken cancellationToken)
    {
        var requests = new List<SlotRequest>();
        foreach (var (slot, sealedKey) in identity.UpdateKeys)
        {
            using var key = OpenUpdateKey(identity.MobileId, slot, sealedKey, store);
            requests.Add(new SlotRequest(slot, Csr(key)));
        }

        var signed = await PostAsync<SignedPackage>(new Uri(protocolBase, $"update/{identity.MobileId}"), new UpdateRequest(
            Convert.ToBase64String(sessionKey.ExportSubjectPublicKeyInfo()), [.. identity.Certificates.Select(c => c.SerialNumber)], requests), token, cancellationToken);
        return JsonSerializer.Deserialize(Verify(signed, store), DeviceProtocolJson.Default.UpdateContent)
            ?? throw new RefusedException("The update package is empty; nothing was installed.");
    }

    /// <summary>Replaces the identity's certificates with the package's set, keeping those it holds; saves; then confirms.</summary>
    private async Task<UpdateSummary> InstallUpdateAsync(StoredIdentity identity, UpdateContent content, Uri protocolBase, ECDiffieHellman sessionKey,
        string token, AgentStore store, CancellationToken cancellationToken)
    {
        var mobileId = identity.MobileId;
        var removed = content.Removed.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var updateKeys = identity.UpdateKeys.ToDictionary(k => k.Key, k => (AsymmetricAlgorithm)OpenUpdateKey(mobileId, k.Key, k.Value, store));
        try
        {
            var certificates = new List<StoredCertificate>();
            int renewed = 0, added = 0;
            foreach (var entry in content.Certificates)
            {
                var serial = entry.SerialNumber;
                if (identity.Certificates.FirstOrDefault(c => string.Equals(c.SerialNumber, serial, StringComparison.OrdinalIgnoreCase)) is { } kept)
                {
                    certificates.Add(kept);
                    continue;
                }

                var installed = Install(entry, mobileId, sessionKey, updateKeys, store);
                certificates.Add(installed);
                if (identity.Certificates.Any(c => c.Slot == installed.Slot && removed.Contains(c.SerialNumber)))
                {
                    renewed++;
                }
                else
                {
                    added++;
                }
            }

            var updated = identity with
            {
                Profile = content.Profile, Certificates = certificates, Chain = [.. content.Chain], Skipped = SkippedOf(content.Skipped),
                Badge = BadgeOf(content.Badge), UpdateKeys = identity.UpdateKeys.Where(k => certificates.All(c => c.Slot != k.Key)).ToDictionary(),
            };
            store.Contents.Identities[store.Contents.Identities.FindIndex(i => i.MobileId == mobileId)] = updated;
            store.Save();
            var dropped = identity.Certificates.Count(c => removed.Contains(c.SerialNumber));
            log.Info($"updated mobile ID {mobileId}: {renewed} renewed, {added} added, {dropped} removed; {certificates.Count} certificate(s) ({string.Join(", ", certificates.Select(c => c.SerialNumber))})");
            // Note: only certificates issued for this mobile ID are confirmed; recovered and uploaded ones belong to others.
            await PostAsync<UpdateConfirmResponse>(new Uri(protocolBase, $"update/{mobileId}/confirm"),
                new UpdateConfirmRequest([.. content.Certificates.Where(e => e.Mode == CertificateMode.IssueNew).Select(e => e.SerialNumber)]), token, cancellationToken);
            return new UpdateSummary(mobileId, updated.Profile, MobileIdStatus.Issued, renewed, added, dropped);
        }
        finally
        {
            foreach (var key in updateKeys.Values)
            {
                key.Dispose();
            }
        }
    }

    private static AsymmetricAlgorithm OpenUpdateKey(Guid mobileId, int slot, string sealedKey, AgentStore store)
    {
        var pkcs8 = store.Unseal(sealedKey, UpdateKeyContext(mobileId, slot));
        try
        {
            return KeyPackages.FromPkcs8(pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static string UpdateKeyContext(Guid mobileId, int slot) => $"update-key|{mobileId:D}|{slot}";
}
