import type { Kysely } from "kysely";
import type { OnboardingRepo } from "../core/onboarding/repo.ts";
import { OnboardingEnrolments } from "./onboarding-enrolments.ts";
import { OnboardingSteps } from "./onboarding-steps.ts";
import type { Database } from "./schema.ts";
import { merge } from "./shared.ts";

/** Onboarding's repository: enrolments and step progress, over one kysely instance. */
export function onboardingStore(db: Kysely<Database>, dialect: "sqlite" | "postgres"): OnboardingRepo {
  return merge(new OnboardingEnrolments(db, dialect), new OnboardingSteps(db, dialect)) satisfies OnboardingRepo;
}
