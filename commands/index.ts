import type { AnyCommand } from "../src/core/command.ts";
import docker from "./docker.ts";
import gaps from "./gaps.ts";
import help from "./help.ts";
import onboard from "./onboard.ts";
import quiz from "./quiz.ts";
import review from "./review.ts";
import topics from "./topics.ts";

/** Every command Dockhand offers, in the order help lists them. */
export const commands: readonly AnyCommand[] = [docker, topics, quiz, review, onboard, help, gaps];
