/** Calls to the server extension (``/jupyter-lifecycle/...``). */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IDiagnostic } from './diagnostics';
import { IDoctorReport, ISuggestResult } from './doctor';
import { IRunRecord } from './runs';
import { IStageTableData } from './stages';

export const NAMESPACE = 'jupyter-lifecycle';

/** An error answered by the server, with the cell it is about when there is one. */
export class LifecycleAPIError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly location: ILocation | null = null
  ) {
    super(message);
  }
}

export interface ILocation {
  notebook: string | null;
  cell_index: number | null;
  cell_id: string | null;
  line: number | null;
}

export interface IAnalysis {
  notebook: string;
  stages_table: IStageTableData;
  cells: {
    index: number;
    id: string;
    cell_type: string;
    stage: string;
    explicit_stage: string | null;
    inherited: boolean;
    is_parameters: boolean;
    first_line: string;
    execution_count: number | null;
  }[];
  stages: { name: string; kind: string; cells: string[]; inputs: string[]; outputs: string[] }[];
  diagnostics: IDiagnostic[];
}

export interface IConvertResult {
  /** Only with ``ask``: the package exists and nothing was written (regenerate with force). */
  exists?: boolean;
  package: string;
  out_dir: string;
  written: boolean;
  files: string[];
  changed: string[];
  diagnostics: IDiagnostic[];
  errors: number;
  pipeline: string | null;
}

/** The transport, replaceable in tests. */
export interface IRequester {
  request<T>(endPoint: string, init?: RequestInit): Promise<T>;
}

export class ServerRequester implements IRequester {
  constructor(private settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  async request<T>(endPoint: string, init: RequestInit = {}): Promise<T> {
    const url = URLExt.join(this.settings.baseUrl, NAMESPACE, endPoint);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this.settings);
    } catch (error) {
      throw new LifecycleAPIError(`cannot reach the server: ${error}`, 0);
    }
    const text = await response.text();
    let data: { message?: string; location?: ILocation | null } | null = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { message: text };
    }
    if (!response.ok) {
      throw new LifecycleAPIError(
        data?.message || response.statusText || `HTTP ${response.status}`,
        response.status,
        data?.location ?? null
      );
    }
    return data as T;
  }
}

/** The server API, typed. */
export class LifecycleAPI {
  constructor(readonly requester: IRequester = new ServerRequester()) {}

  stages(path: string): Promise<IStageTableData> {
    return this.requester.request(`stages?path=${encodeURIComponent(path)}`);
  }

  analyze(path: string): Promise<IAnalysis> {
    return this.requester.request(`analyze?path=${encodeURIComponent(path)}`);
  }

  convert(
    path: string,
    options: { force?: boolean; out?: string; ask?: boolean } = {}
  ): Promise<IConvertResult> {
    return this.requester.request('convert', {
      method: 'POST',
      body: JSON.stringify({ path, ...options })
    });
  }

  doctor(path: string): Promise<IDoctorReport> {
    return this.requester.request(`doctor?path=${encodeURIComponent(path)}`);
  }

  suggest(path: string): Promise<ISuggestResult> {
    return this.requester.request(`suggest?path=${encodeURIComponent(path)}`);
  }

  runs(path: string, limit = 50): Promise<{ runs: IRunRecord[]; store: string | null }> {
    return this.requester.request(`runs?path=${encodeURIComponent(path)}&limit=${limit}`);
  }

  run(id: string): Promise<IRunRecord> {
    return this.requester.request(`runs/${encodeURIComponent(id)}`);
  }
}
