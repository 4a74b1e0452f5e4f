"""Office365-REST-Python-Client's PeopleManager against the emulator's SharePoint."""
import pytest
from office365.runtime.auth.token_response import TokenResponse
from office365.sharepoint.client_context import ClientContext

ACCOUNT = "i:0#.f|membership|alice@contoso.test"


def context(emu, token, site="sp"):
    return ClientContext(emu[site]).with_access_token(
        lambda: TokenResponse(access_token=token, token_type="Bearer")
    )


def allow_app_only_profile_writes(emu, allow):
    import httpx

    faults = httpx.get(f"{emu['base']}/_emulator/faults").json()
    faults["sharepointAppOnlyProfileWrites"] = allow
    httpx.put(f"{emu['base']}/_emulator/faults", json=faults).raise_for_status()


def test_app_only_profile_write_is_denied_by_default(emu):
    ctx = context(emu, emu["sp_token"])
    with pytest.raises(Exception) as err:
        ctx.people_manager.set_single_value_profile_property(ACCOUNT, "PictureURL", "x").execute_query()
    assert "Access denied" in str(err.value)


def test_people_manager_set_and_get(emu):
    allow_app_only_profile_writes(emu, True)
    ctx = context(emu, emu["sp_token"])
    url = emu["my"] + "/User%20Photos/Profile%20Pictures/alice_contoso_test_MThumb.jpg"
    ctx.people_manager.set_single_value_profile_property(ACCOUNT, "SPS-PicturePlaceholderState", "0").execute_query()
    ctx.people_manager.set_single_value_profile_property(ACCOUNT, "PictureURL", url).execute_query()
    props = ctx.people_manager.get_properties_for(ACCOUNT).execute_query()
    assert props.properties["AccountName"] == ACCOUNT
    assert props.properties["PictureUrl"] == url
    by_key = props.user_profile_properties
    assert by_key["PictureURL"] == url
    assert by_key["SPS-PicturePlaceholderState"] == "0"


def test_secret_token_is_rejected(emu):
    import httpx

    resp = httpx.post(
        f"{emu['base']}/{emu['tenant']}/oauth2/v2.0/token",
        data={
            "client_id": emu["secret_app"],
            "client_secret": emu["secret"],
            "grant_type": "client_credentials",
            "scope": emu["sp"] + "/.default",
        },
    )
    token = resp.json()["access_token"]
    ctx = context(emu, token)
    with pytest.raises(Exception) as err:
        ctx.people_manager.get_properties_for(ACCOUNT).execute_query()
    assert "401" in str(err.value) or "Unsupported app only token" in str(err.value)


def test_a_token_for_the_admin_site_is_refused_on_the_my_site_host(emu):
    """SharePoint checks the audience per host (onedrive-api-docs#314)."""
    import httpx

    with pytest.raises(Exception) as err:
        context(emu, emu["sp_token"], site="my").people_manager.get_properties_for(ACCOUNT).execute_query()
    assert "401" in str(err.value) or "Invalid audience" in str(err.value)
    resp = httpx.post(f"{emu['my']}/_api/contextinfo", headers={"Authorization": f"Bearer {emu['sp_token']}"})
    assert resp.status_code == 401
    assert resp.headers["x-ms-diagnostics"].startswith("3000003;reason=\"Invalid audience Uri")
