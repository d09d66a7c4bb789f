/** HubSpot's fault injection: an HTTP error status for matching calls. */
import { FaultQueue } from "../../../src/sandbox/limits.ts";

export { RollingWindow } from "../../../src/sandbox/limits.ts";

export interface FaultSpec {
  status: number;
  times: number;
  method?: string;
  pathPrefix?: string;
}

export class FaultInjector extends FaultQueue<FaultSpec> {
  override add(fault: FaultSpec): void {
    if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
      throw new Error("fault status must be an HTTP error status (400-599)");
    }
    super.add(fault);
  }
}
