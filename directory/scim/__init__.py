"""SCIM 2.0 (RFC 7643, RFC 7644) under /scim/v2/: a second view of the directory, for
provisioning clients such as Microsoft Entra ID and Okta (docs/scim.md).

No second user store: a SCIM User is a django.contrib.auth User, a SCIM Group a Group; every
write goes through directory.services, so it meets the same permissions, integrity rules and
audit trail as the REST API's. Only `externalId` is SCIM's own (directory.models).
"""
