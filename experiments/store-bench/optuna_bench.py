"""Optuna 3.1 RDB storage on PostgreSQL, for the store benchmark (run.sh): trials claimed and completed per second.

usage: optuna_bench.py fill URL STUDY N          # N completed trials with a zero-cost objective (one process)
       optuna_bench.py work URL STUDY N          # one worker: N more trials (run.sh starts W of them at once)
"""
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    # zero-cost, three objectives like the fspinn study (accuracy, memory, energy)
    n = trial.suggest_int("neurons", 25, 50000, step=25)
    bits = trial.suggest_categorical("bits", [32, 8, 4])
    net = trial.suggest_categorical("network", ["bindsnet", "fspinn"])
    return n / 50000.0, n * bits / 8.0, n * (0.3 if net == "fspinn" else 1.0)


def main():
    mode, url, name, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    storage = optuna.storages.RDBStorage(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    study = optuna.create_study(study_name=name, storage=storage, directions=["minimize"] * 3, load_if_exists=True,
                                sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(objective, n_trials=n)


if __name__ == "__main__":
    main()
