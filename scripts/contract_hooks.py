"""schemathesis hooks for `make contract` (loaded through SCHEMATHESIS_HOOKS)."""

import os
from typing import Any

import schemathesis

TOKEN_USER_ID = os.environ["CONTRACT_USER_ID"]
WRITES = {"PUT", "PATCH", "DELETE"}


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case[Any]) -> bool:
    """Spare the token's own user: deleting or deactivating it ends the run's authentication."""
    operation = case.operation
    if operation.path != "/users/{user_id}/" or operation.method.upper() not in WRITES:
        return True
    return str((case.path_parameters or {}).get("user_id")) != TOKEN_USER_ID
