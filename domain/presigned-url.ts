// A TAR package address may be pre-signed (OSS, S3, GCS, Azure SAS): its query then carries a
// credential. Such an address is kept secret: the catalog ConfigMap and the stack's record hold
// the address with its query redacted (the package is still identified by its sha256), and the
// full address goes to a Kubernetes Secret only, as a Pulumi secret.

/** Query parameter names that carry a credential or a signature (case-insensitive). */
const CREDENTIAL_PARAMS =
    /^(signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token|awsaccesskeyid|ossaccesskeyid|security-token|x-oss-signature|x-oss-credential|x-goog-signature|x-goog-credential|token|access_token|auth|authorization|key|api_key|apikey|password|secret|sv|se|sp|sr|skoid|sktid)$/i;

/** True when `url`'s query carries a credential (a pre-signed address). */
export function hasCredentialQuery(url: string): boolean {
    try {
        const parsed = new URL(url);
        for (const name of parsed.searchParams.keys()) {
            if (CREDENTIAL_PARAMS.test(name) || /signature|credential|token|secret/i.test(name)) {
                return true;
            }
        }
        return false;
    } catch {
        return false;
    }
}

/** The address without user info and, when it carries a credential, with its query replaced by `?<redacted>`. */
export function redactUrl(url: string): string {
    try {
        const parsed = new URL(url);
        const credentialed = hasCredentialQuery(url);
        parsed.username = "";
        parsed.password = "";
        if (credentialed) {
            parsed.search = "";
        }
        return `${parsed.toString()}${credentialed ? "?<redacted>" : ""}`;
    } catch {
        return url;
    }
}
