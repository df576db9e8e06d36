"""What a person does on /docs (Swagger UI), as Playwright steps."""

import re

from playwright.sync_api import Locator, Page, expect


def open_authorize_dialog(page: Page) -> None:
    page.locator(".scheme-container button.authorize").click()
    expect(page.locator(".modal-ux")).to_be_visible()


def flow(page: Page, name: str) -> Locator:
    """The dialog's section for one OAuth2 flow: "password" or "authorizationCode"."""
    return page.locator(".auth-container").filter(has_text=f"Flow: {name}")


# identity.openapi.SCHEMES, by flow
SCHEME_OF_FLOW = {"authorizationCode": "OAuth2AuthorizationCode", "password": "OAuth2Password"}


def choose_scopes(section: Locator, flow_name: str, scopes: list[str]) -> None:
    scheme = SCHEME_OF_FLOW[flow_name]
    for scope in scopes:
        # The checkboxes are styled away; their labels take the clicks.
        section.locator(f"label[for={scope}-{flow_name}-checkbox-{scheme}]").click()


def close_dialog(page: Page) -> None:
    page.locator(".modal-ux button.btn-done").first.click()
    expect(page.locator(".modal-ux")).to_be_hidden()


def run(page: Page, tag: str, operation_id: str) -> str:
    """Try out an operation without parameters and return the status Swagger UI shows."""
    operation = page.locator(f"#operations-{tag}-{operation_id}")
    if not operation.locator(".try-out").is_visible():
        operation.locator(".opblock-summary-control").click()
    try_out = operation.locator("button.try-out__btn")
    if try_out.inner_text().strip() == "Try it out":
        try_out.click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text(re.compile(r"^\d{3}"))
    return status.inner_text().strip()[:3]
