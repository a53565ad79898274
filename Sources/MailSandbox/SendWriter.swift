import Dispatch
import Synchronization
import WebhookCore
import WhsSupport

/// Writes the sends without a `request_id` several at a time (docs/PERFORMANCE.md, "The send
/// path's CPU"). A send's store write was a transaction of its own, and every commit writes
/// each page it changed to the WAL: the last pages of the mails and deliveries tables and of
/// their eight indexes, about twenty frames a send whatever its size. The sends that arrive
/// while one write runs are mostly the same pages again, so they wait and go in the next one:
/// one writer at a time, off the server's event loops (which read and answer other sends
/// meanwhile), takes every send waiting, plans them all at one moment, and writes them as one
/// `PlannedSend`. Each send keeps its own message id, answer and deliveries; the sends of one
/// write share their time to the microsecond (`created`, `itime`), as sends of one moment do.
/// If that write fails, each send is written again on its own, so one send's failure is its
/// own. A send with a `request_id` keeps a transaction of its own: its repeat is looked up
/// and remembered in it.
final class SendWriter: Sendable {
    typealias Outcome = Result<(Mailer.Plan, [[DeliveryLink]]), WebhookError>

    struct Waiting: Sendable {
        let prepared: Mailer.PreparedSend
        let done: CheckedContinuation<Outcome, Never>
    }

    /// The sends waiting, and whether a writer is running (it takes them before it stops).
    let state = Mutex<(waiting: [Waiting], writing: Bool)>(([], false))
    let executor = QueueExecutor(DispatchQueue(label: "whs.mailer.sends"))

    /// Waits until `prepared` is written, with the sends written alongside it; its pushes are started.
    func record(_ prepared: Mailer.PreparedSend, by mailer: Mailer) async throws(WebhookError) -> (Mailer.Plan, [[DeliveryLink]]) {
        let outcome = await withCheckedContinuation { (done: CheckedContinuation<Outcome, Never>) in
            let start = state.withLock { state -> Bool in
                state.waiting.append(Waiting(prepared: prepared, done: done))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            // Not an event loop (an embedded store's write blocks its thread), nor the shared
            // pool, whose threads a caller may hold (`Blocking` in a test runner's task).
            if start { Task(executorPreference: executor) { await self.writeAll(mailer) } }
        }
        return try outcome.get()
    }

    func writeAll(_ mailer: Mailer) async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let batch = state.waiting
                state.waiting.removeAll(keepingCapacity: true)
                if batch.isEmpty { state.writing = false }
                return batch
            }
            if batch.isEmpty { return }
            let now = Clock.now()
            // One write per account, in the order the sends came.
            var accounts: [String] = []
            var byAccount: [String: [Waiting]] = [:]
            for waiting in batch {
                if byAccount[waiting.prepared.account] == nil { accounts.append(waiting.prepared.account) }
                byAccount[waiting.prepared.account, default: []].append(waiting)
            }
            for account in accounts { await write(byAccount[account]!, at: now, mailer) }
        }
    }

    /// Plans `sends` (of one account) at `now` and writes them in one `recordSend`.
    func write(_ sends: [Waiting], at now: Double, _ mailer: Mailer) async {
        var planned: [(waiting: Waiting, plan: Mailer.Plan)] = []
        for waiting in sends {
            do throws(WebhookError) {
                planned.append((waiting, try mailer.plan(waiting.prepared, at: now)))
            } catch {
                waiting.done.resume(returning: .failure(error))
            }
        }
        guard let first = planned.first?.plan.send else { return }
        let together = planned.count == 1 ? first : PlannedSend(
            account: first.account, apiUser: first.apiUser, requestID: nil, answer: .null,
            mails: planned.flatMap(\.plan.send.mails), created: now)
        do throws(WebhookError) {
            let chains = try await record(together, mailer)
            var rest = chains[...]
            for (waiting, plan) in planned {
                waiting.done.resume(returning: .success((plan, Array(rest.prefix(plan.chainCount)))))
                rest = rest.dropFirst(plan.chainCount)
            }
        } catch {
            if planned.count == 1 {
                planned[0].waiting.done.resume(returning: .failure(error))
                return
            }
            // The transaction was rolled back whole: each send again, alone.
            for (waiting, plan) in planned {
                do throws(WebhookError) {
                    waiting.done.resume(returning: .success((plan, try await record(plan.send, mailer))))
                } catch {
                    waiting.done.resume(returning: .failure(error))
                }
            }
        }
    }

    /// One `recordSend` without a request_id, its pushes started.
    func record(_ send: PlannedSend, _ mailer: Mailer) async throws(WebhookError) -> [[DeliveryLink]] {
        guard case .sent(let chains) = try await mailer.store.recordSend(send, repeatsSince: send.created - Mailer.requestIDMemory) else {
            throw .storage("a send without a request_id was taken for a repeat")
        }
        mailer.dispatcher.startChains(chains)
        return chains
    }
}

/// Runs a task's jobs on a serial Dispatch queue, which Dispatch lends a thread while it has
/// work (a thread of its own if the others are blocked).
final class QueueExecutor: TaskExecutor {
    let queue: DispatchQueue

    init(_ queue: DispatchQueue) { self.queue = queue }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
