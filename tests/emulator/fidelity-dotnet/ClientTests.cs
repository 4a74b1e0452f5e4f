// Microsoft's .NET clients against the emulator, as a new user would write them: the Graph SDK
// (Microsoft.Graph 6.10) over each Azure.Identity credential (client secret, certificate,
// managed identity), the photo calls PhotoSync makes, and a throttled call.

using Azure;
using Azure.Core;
using Azure.Identity;
using Microsoft.Graph.Models.ODataErrors;
using Xunit;

namespace PhotoSync.EmulatorFidelity;

public class ClientTests
{
    static MemoryStream Jpeg() => new(File.ReadAllBytes(Emulator.Env("EMU_UPLOAD_FILE")));

    static bool IsJpeg(byte[] bytes) => bytes.Length > 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;

    /// Lookup, "no photo yet", upload, metadata, bytes and a sized photo for one user.
    static async Task PhotoRoundTrip(TokenCredential credential, string upn)
    {
        var graph = Emulator.Graph(credential);
        var user = await graph.Users[upn].GetAsync();
        Assert.Equal(upn, user!.UserPrincipalName);
        var none = await Assert.ThrowsAsync<ODataError>(() => graph.Users[user.Id].Photo.GetAsync());
        Assert.Equal(404, none.ResponseStatusCode);
        Assert.Contains("ImageNotFoundException", none.Error?.Message);

        await graph.Users[user.Id].Photo.Content.PutAsync(Jpeg());

        var meta = await graph.Users[user.Id].Photo.GetAsync();
        // The Entra profile: one `Default` picture at the upload's own size (320x180 PNG).
        Assert.Equal("Default", meta!.Id);
        Assert.Equal((320, 180), (meta.Width, meta.Height));
        using var value = new MemoryStream();
        await (await graph.Users[user.Id].Photo.Content.GetAsync())!.CopyToAsync(value);
        Assert.True(IsJpeg(value.ToArray()), "the service re-encodes uploads as JPEG");
        var small = await graph.Users[user.Id].Photos["48x48"].GetAsync();
        Assert.Equal(48, small!.Width);
        using var sized = new MemoryStream();
        await (await graph.Users[user.Id].Photos["48x48"].Content.GetAsync())!.CopyToAsync(sized);
        Assert.True(IsJpeg(sized.ToArray()));
    }

    [Fact]
    public async Task ClientSecretCredential_RunsThePhotoCalls() =>
        await PhotoRoundTrip(Emulator.SecretCredential(), "bruno@contoso.test");

    [Fact]
    public async Task ClientSecretCredential_WithAWrongSecret_NamesAadsts7000215()
    {
        var wrong = Emulator.SecretCredential("not-the-secret");
        var e = await Assert.ThrowsAsync<AuthenticationFailedException>(
            () => wrong.GetTokenAsync(new TokenRequestContext(Emulator.GraphScopes), default).AsTask());
        Assert.Contains("AADSTS7000215", e.ToString());
    }

    /// Regression (issue 21): MSAL.NET's assertion carries `nbf`/`exp` as JSON strings and was
    /// refused with AADSTS50027 "The payload is not valid JSON".
    [Fact]
    public async Task ClientCertificateCredential_MsalNetAssertionIsAccepted()
    {
        var credential = Emulator.CertificateCredential();
        var token = await credential.GetTokenAsync(new TokenRequestContext(Emulator.GraphScopes), default);
        var claims = Emulator.Claims(token.Token);
        Assert.Equal("2", claims.GetProperty("appidacr").GetString());
        Assert.Equal("certificate", claims.GetProperty("xms_emu_cred").GetString());
        await PhotoRoundTrip(credential, "dana@contoso.test");
    }

    [Fact]
    public async Task ManagedIdentityCredential_FromTheAppServiceEndpoint()
    {
        var credential = Emulator.ManagedIdentity();
        var token = await credential.GetTokenAsync(new TokenRequestContext(Emulator.GraphScopes), default);
        Assert.Equal(Emulator.Env("EMU_MI_APP"), Emulator.Claims(token.Token).GetProperty("appid").GetString());
        await PhotoRoundTrip(credential, "fatima@contoso.test");
    }

    [Fact]
    public async Task AThrottledCall_CarriesRetryAfter_AndTheSdkWaitsItOut()
    {
        // Two resource units per 4 s: the third lookup in a row is throttled.
        await Emulator.SetFaults(new { throttle = new { resourceUnits = 2, resourceUnitWindowMs = 4000 } });
        try
        {
            var credential = Emulator.SecretCredential();
            var noRetry = Emulator.Graph(credential, maxRetries: 0);
            ODataError? throttled = null;
            for (var i = 0; i < 5 && throttled is null; i++)
            {
                try { await noRetry.Users["alice@contoso.test"].GetAsync(); }
                catch (ODataError e) when (e.ResponseStatusCode == 429) { throttled = e; }
            }
            Assert.NotNull(throttled);
            var retryAfter = throttled!.ResponseHeaders
                .First(h => h.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase)).Value.Single();
            Assert.True(int.Parse(retryAfter) >= 1, retryAfter);

            // The SDK's own retry handler honours Retry-After and the call goes through.
            var before = (await Emulator.Counters()).GetProperty("throttled429").GetInt64();
            var sdk = Emulator.Graph(credential);
            for (var i = 0; i < 3; i++)
            {
                var user = await sdk.Users["alice@contoso.test"].GetAsync();
                Assert.Equal("alice@contoso.test", user!.UserPrincipalName);
            }
            var after = (await Emulator.Counters()).GetProperty("throttled429").GetInt64();
            Assert.True(after > before, "the SDK's calls met the throttle and waited it out");
        }
        finally
        {
            await Emulator.SetFaults(new { });
        }
    }
}
