/** Labels the operator puts on the Secrets it writes: how it finds (and watches) them again. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "unleash-accounts-operator";
/** The name of the token resource a Secret belongs to (when it fits in a label value). */
export const TOKEN_LABEL = "accounts.unleash.dev/token";
