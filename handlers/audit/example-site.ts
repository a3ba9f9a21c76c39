import { PermanentError } from "../../src/index.ts";
import { BUCKET_ENV } from "../env.ts";
import { type ObjectStore, s3StoreFromEnv } from "../object-store.ts";
import { type AuditDeps, auditHandlers } from "./audit-handlers.ts";
import { bucketSite } from "./site.ts";

/** The example's sites are folders of its bucket under `site/`; its consumers may read nothing else there. */
const SITES = /^site\/([A-Za-z0-9_-]+\/)*$/;

/** The audit's dependencies in the example app: sites and snapshots in the bucket. */
export function exampleAuditDeps(store: ObjectStore): AuditDeps {
  return {
    store,
    siteFor(site) {
      // Retrying cannot make another prefix readable: dead-letter at once, saying what is allowed.
      if (!SITES.test(site))
        throw new PermanentError('the example audits folders of its bucket under "site/"');
      return bucketSite(store, site);
    },
  };
}

/** The example's audit handlers, by queue (the bucket is read from its variable on first use). */
export const exampleAudit = auditHandlers(exampleAuditDeps(s3StoreFromEnv(BUCKET_ENV)));
