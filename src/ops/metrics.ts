import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Telemetry } from "../core/telemetry.ts";
import type { Platform } from "../store/types.ts";

/**
 * Dockhand's Prometheus metrics, in a registry of its own (not prom-client's global one), so two
 * instances in one process (tests) never clash. Every label value comes from a fixed set: command
 * names, button kinds, platforms and outcomes, never from what a user typed.
 */
export class Metrics implements Telemetry {
  readonly registry = new Registry();
  private readonly commands = new Counter({
    name: "dockhand_commands_total",
    help: "Commands, free-text questions and button presses handled, by platform, kind and outcome",
    labelNames: ["platform", "kind", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly search = new Histogram({
    name: "dockhand_search_duration_seconds",
    help: "Time one search of the knowledge index took",
    labelNames: ["purpose"] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  private readonly reloads = new Counter({
    name: "dockhand_knowledge_reloads_total",
    help: "Reloads of the knowledge packs (SIGHUP or --watch): swapped in, or failed and kept the old index",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  private readonly unansweredTotal = new Counter({
    name: "dockhand_unanswered_total",
    help: "Questions without a confident answer (suggestions or nothing), by platform",
    labelNames: ["platform"] as const,
    registers: [this.registry],
  });
  private readonly quizPosts = new Counter({
    name: "dockhand_quiz_posts_total",
    help: "Quiz questions posted, and posts that failed",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  private readonly onboarding = new Counter({
    name: "dockhand_onboarding_steps_total",
    help: "Onboarding steps sent by DM, completed by members, or not sent because DMs are closed",
    labelNames: ["event"] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: "dockhand_errors_total",
    help: "Failures logged as errors, by where they happened",
    labelNames: ["where"] as const,
    registers: [this.registry],
  });

  private readonly unhandled = new Counter({
    name: "dockhand_unhandled_errors_total",
    help: "Errors that escaped every handler (the process kept serving), by whether a request was being handled",
    labelNames: ["where"] as const,
    registers: [this.registry],
  });

  constructor(opts: { adapters?: () => Record<string, boolean>; defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const adapters = opts.adapters;
    if (adapters) {
      new Gauge({
        name: "dockhand_adapter_connected",
        help: "1 when the chat platform's adapter is connected, 0 when not",
        labelNames: ["platform"] as const,
        registers: [this.registry],
        collect() {
          for (const [platform, up] of Object.entries(adapters())) this.set({ platform }, up ? 1 : 0);
        },
      });
    }
  }

  knowledgeReload(outcome: "ok" | "failed"): void {
    this.reloads.inc({ outcome });
  }

  handled(e: { platform: Platform; kind: string; outcome: "ok" | "user_error" | "error" }): void {
    this.commands.inc({ platform: e.platform, kind: e.kind, outcome: e.outcome });
  }
  searched(seconds: number, purpose: "answer" | "autocomplete"): void {
    this.search.observe({ purpose }, seconds);
  }
  unanswered(platform: Platform): void {
    this.unansweredTotal.inc({ platform });
  }
  quizPost(outcome: "posted" | "failed"): void {
    this.quizPosts.inc({ outcome });
  }
  onboardingStep(event: "sent" | "completed" | "dm_closed"): void {
    this.onboarding.inc({ event });
  }
  error(where: string): void {
    this.errors.inc({ where });
  }

  unhandledError(where: "request" | "background"): void {
    this.unhandled.inc({ where });
  }

  /** The text exposition format, and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
