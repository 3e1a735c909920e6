import { SEEDED_HUMAN_USERNAME, SEEDED_OTHER_PROJECT, startRealUnleash } from "../real-unleash/index.js";
import { describeApiTokenContract } from "./api-token-suite.js";
import { describeServiceAccountContract } from "./contract-suite.js";
import { describeProjectAccessContract } from "./project-access-suite.js";

describeServiceAccountContract("real Unleash (open source + service-account routes)", () => startRealUnleash(), {
  humanUsername: SEEDED_HUMAN_USERNAME,
});
describeProjectAccessContract("real Unleash (open source + project-access routes)", () => startRealUnleash());
describeApiTokenContract("real Unleash (open source)", async (format) => ({ ...(await startRealUnleash({ secureTokenStorage: format === "v2" })), otherProject: SEEDED_OTHER_PROJECT }));
