// What every test needs from the emulator the Rust runner started (tests/emulator/tests/
// fidelity_dotnet.rs passes it in EMU_* variables): its URLs, the test CA its HTTPS listener
// uses, credentials of the example tenant, and Graph clients built as Microsoft's docs build
// them, only pointed at the emulator.

using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Graph;
using Microsoft.Kiota.Authentication.Azure;

// One emulator serves every test, and the throttling test changes its faults: run in order.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace PhotoSync.EmulatorFidelity;

public static class Emulator
{
    public static readonly string[] GraphScopes = ["https://graph.microsoft.com/.default"];

    public static string Env(string name) =>
        Environment.GetEnvironmentVariable(name)
        ?? throw new InvalidOperationException(
            $"{name} is not set: run this suite through `cargo test -p photosync-emulator --test fidelity_dotnet`");

    /// The emulator's HTTPS origin: the authority host and the Graph host.
    public static Uri Https => new(Env("EMU_HTTPS"));
    public static string Tenant => Env("EMU_TENANT");
    /// The plain-HTTP admin API (`/_emulator/...`), not part of what Microsoft serves.
    public static string Admin => Env("EMU_BASE") + "/_emulator";

    static readonly X509Certificate2 TestCa = LoadPemCertificate(Env("EMU_CA"));

    static X509Certificate2 LoadPemCertificate(string path)
    {
        var pem = File.ReadAllText(path);
        var found = System.Security.Cryptography.PemEncoding.Find(pem);
        var der = Convert.FromBase64String(pem[found.Base64Data]);
        return X509CertificateLoader.LoadCertificate(der);
    }

    /// Trusts the emulator's per-run test CA (and nothing else) for its loopback certificate.
    public static bool TrustTestCa(X509Certificate2? cert, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (cert is null || chain is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return false;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(TestCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert);
    }

    static HttpClientHandler TrustingHandler() => new()
    {
        ServerCertificateCustomValidationCallback = (_, cert, chain, errors) => TrustTestCa(cert, chain, errors),
        UseProxy = false,
    };

    /// Azure.Identity options for the emulator: its authority host, no instance discovery
    /// (there is no login.microsoftonline.com to ask), and a transport that trusts the test CA.
    public static T IdentityOptions<T>(T options) where T : TokenCredentialOptions
    {
        options.AuthorityHost = Https;
        options.Transport = new HttpClientTransport(TrustingHandler());
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        return options;
    }

    public static ClientSecretCredential SecretCredential(string? secret = null) =>
        new(Tenant, Env("EMU_SECRET_APP"), secret ?? Env("EMU_SECRET"),
            IdentityOptions(new ClientSecretCredentialOptions { DisableInstanceDiscovery = true }));

    /// The TEST-ONLY certificate app, signing with the committed test key (MSAL.NET builds the
    /// assertion: PS256, `x5t#S256`, `nbf`/`exp` as strings).
    public static ClientCertificateCredential CertificateCredential() =>
        new(Tenant, Env("EMU_CERT_APP"),
            X509Certificate2.CreateFromPemFile(Env("EMU_CERT_PEM"), Env("EMU_KEY_PEM")),
            IdentityOptions(new ClientCertificateCredentialOptions { DisableInstanceDiscovery = true }));

    /// The App Service / Automation managed identity, found through IDENTITY_ENDPOINT and
    /// IDENTITY_HEADER (set by the runner), as in an Azure sandbox.
    public static ManagedIdentityCredential ManagedIdentity() =>
        new(new ManagedIdentityCredentialOptions(ManagedIdentityId.SystemAssigned)
        {
            Transport = new HttpClientTransport(TrustingHandler()),
        });

    /// A Graph client as the SDK's docs build one, with the emulator as the Graph host.
    /// `maxRetries` null keeps the SDK's own retry handler as it ships.
    public static GraphServiceClient Graph(TokenCredential credential, int? maxRetries = null)
    {
        var handlers = GraphClientFactory.CreateDefaultHandlers();
        if (maxRetries is int max)
        {
            var retry = handlers.OfType<Microsoft.Kiota.Http.HttpClientLibrary.Middleware.RetryHandler>().Single();
            handlers[handlers.IndexOf(retry)] = new Microsoft.Kiota.Http.HttpClientLibrary.Middleware.RetryHandler(
                new Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options.RetryHandlerOption { MaxRetry = max });
        }
        var http = GraphClientFactory.Create(handlers, finalHandler: TrustingHandler());
        var auth = new AzureIdentityAuthenticationProvider(credential, [Https.Host], null, true, GraphScopes);
        return new GraphServiceClient(http, auth, new Uri(Https, "v1.0").ToString());
    }

    static readonly HttpClient AdminHttp = new(new HttpClientHandler { UseProxy = false });

    /// Replaces the emulator's run-time faults (`Faults` JSON, camelCase).
    public static async Task SetFaults(object faults)
    {
        var r = await AdminHttp.PutAsJsonAsync(Admin + "/faults", faults);
        r.EnsureSuccessStatusCode();
        (await AdminHttp.PostAsync(Admin + "/reset-throttling", null)).EnsureSuccessStatusCode();
    }

    public static async Task<JsonElement> Counters() =>
        await AdminHttp.GetFromJsonAsync<JsonElement>(Admin + "/counters");

    /// The claims of an access token the emulator issued (not verified: for reading them).
    public static JsonElement Claims(string jwt)
    {
        var body = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        body = body.PadRight(body.Length + (4 - body.Length % 4) % 4, '=');
        return JsonDocument.Parse(Convert.FromBase64String(body)).RootElement;
    }
}
