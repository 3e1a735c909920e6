import { SEEDED_HUMAN_USERNAME, startRealUnleash } from "../real-unleash/index.js";
import { describeServiceAccountContract } from "./contract-suite.js";
import { describeProjectAccessContract } from "./project-access-suite.js";

describeServiceAccountContract("real Unleash (open source + service-account routes)", () => startRealUnleash(), {
  humanUsername: SEEDED_HUMAN_USERNAME,
});
describeProjectAccessContract("real Unleash (open source + project-access routes)", () => startRealUnleash());
