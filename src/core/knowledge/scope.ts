/**
 * Questions about the tools next to Docker ("kubectl pod stuck pending", "npm ci vs npm install",
 * "nginx location regex") share words with the pack, because the pack mentions those tools where
 * they meet Docker. Such a question is answered only when it also says something about Docker
 * itself; otherwise the pack's overlap is a coincidence, and a confident answer would be wrong.
 */

/** Words that place a question in Docker's world (as written, lower case, and their plurals). */
const DOCKER_WORDS = new Set(
  `docker dockerd dockerfile dockerfiles dockerignore dockerize dockerized dockerizing dockerhub container containers
containerd containerize containerized image images compose swarm volume volumes registry registries daemon buildx buildkit
build builds building layer layers entrypoint healthcheck moby podman colima orbstack rootless bake scout tini
distroless alpine overlay2 bridge dind desktop hub ghcr ecr acr gcr`.split(/\s+/),
);

/** Tools next to Docker that the pack mentions but does not document on their own. */
const NEIGHBOUR_WORDS = new Set(
  `kubectl helm pod pods kubelet ingress nginx apache httpd systemctl systemd journalctl ssh sshd git github gitlab npm yarn
pnpm pip pipenv poetry venv virtualenv conda terraform ansible aws iam gcloud az postgres postgresql psql mysql mariadb
redis mongo mongodb kafka rabbitmq jenkins wsl wsl2 brew homebrew cron crontab chmod`.split(/\s+/),
);

/**
 * True when the question names a neighbouring tool and nothing of Docker's: it must not be
 * answered confidently from words the pack merely shares with it.
 */
export function offTopic(words: readonly string[]): boolean {
  const lower = words.map((w) => w.toLowerCase());
  return lower.some((w) => NEIGHBOUR_WORDS.has(w)) && !lower.some((w) => DOCKER_WORDS.has(w));
}
