"""msgraph-sdk (kiota) against the emulator: static token over http, and the real
azure-identity ClientSecretCredential flow over https with the emulator's test CA."""
import asyncio
import ssl

import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_core import GraphClientFactory


def fetch_token(emu):
    resp = httpx.post(
        f"{emu['base']}/{emu['tenant']}/oauth2/v2.0/token",
        data={
            "client_id": emu["secret_app"],
            "client_secret": emu["secret"],
            "grant_type": "client_credentials",
            "scope": "https://graph.microsoft.com/.default",
        },
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


class StaticToken(AccessTokenProvider):
    def __init__(self, token):
        self.token = token

    async def get_authorization_token(self, uri, additional_authentication_context={}):
        return self.token

    def get_allowed_hosts_validator(self):
        return AllowedHostsValidator(["127.0.0.1"])


def static_client(emu):
    adapter = GraphRequestAdapter(
        BaseBearerTokenAuthenticationProvider(StaticToken(fetch_token(emu))),
        client=GraphClientFactory.create_with_default_middleware(host=emu["base"]),
    )
    adapter.base_url = emu["base"] + "/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def test_photo_round_trip_with_static_token(emu):
    upload = open(emu["upload"], "rb").read()

    async def run():
        client = static_client(emu)
        user = client.users.by_user_id("dana@contoso.test")
        await user.photo.content.put(upload)
        data = await user.photo.content.get()
        meta = await user.photo.get()
        return data, meta

    data, meta = asyncio.run(run())
    assert data[:2] == b"\xff\xd8", "served as JPEG"
    assert data != upload, "re-encoded, as Exchange/Entra do"
    # The Entra profile (the emulator's default photoModel): one `Default` picture at the
    # upload's own size, here the 320x180 PNG.
    assert (meta.id, meta.width, meta.height) == ("Default", 320, 180)


def test_no_photo_surfaces_as_odata_error(emu):
    async def run():
        return await static_client(emu).users.by_user_id("bruno@contoso.test").photo.get()

    with pytest.raises(ODataError) as err:
        asyncio.run(run())
    assert err.value.response_status_code == 404
    assert err.value.error.code == "ErrorEntityNotFound"


def test_user_lookup_guest_and_apostrophe(emu):
    async def run():
        client = static_client(emu)
        guest = await client.users.by_user_id("bob_fabrikam.test#EXT#@contoso.test").get()
        oneil = await client.users.by_user_id("o'neil@contoso.test").get()
        return guest, oneil

    guest, oneil = asyncio.run(run())
    assert guest.mail == "bob@fabrikam.test"
    assert oneil.display_name == "Siobhan O'Neil"


def test_azure_identity_client_secret_flow_over_https(emu):
    from azure.identity import ClientSecretCredential
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )

    cred = ClientSecretCredential(
        emu["tenant"],
        emu["secret_app"],
        emu["secret"],
        authority=emu["https"],
        disable_instance_discovery=True,
        connection_verify=emu["ca"],
    )
    auth = AzureIdentityAuthenticationProvider(
        cred, scopes=["https://graph.microsoft.com/.default"], allowed_hosts=["127.0.0.1"]
    )
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=ssl.create_default_context(cafile=emu["ca"]))
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = emu["https"] + "/v1.0"
    client = GraphServiceClient(request_adapter=adapter)

    async def run():
        user = await client.users.by_user_id("alice@contoso.test").get()
        photo = await client.users.by_user_id("alice@contoso.test").photo.content.get()
        return user, photo

    user, photo = asyncio.run(run())
    assert user.user_principal_name == "alice@contoso.test"
    assert photo[:2] == b"\xff\xd8"
    # The token really came from the token endpoint: a wrong secret fails there.
    bad = ClientSecretCredential(
        emu["tenant"], emu["secret_app"], "wrong", authority=emu["https"],
        disable_instance_discovery=True, connection_verify=emu["ca"],
    )
    with pytest.raises(Exception) as err:
        bad.get_token("https://graph.microsoft.com/.default")
    assert "AADSTS7000215" in str(err.value)
