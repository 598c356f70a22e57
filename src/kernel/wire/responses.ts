/**
 * The OpenAI Responses API wire shapes Gantry reads and writes (`/v1/responses`). Only what Gantry
 * serves is typed; the request is translated into the chat shape (wire/openai.ts) at the edge.
 */

export type ResponsesRole = 'user' | 'assistant' | 'system' | 'developer';

export interface InputTextPart {
  type: 'input_text';
  text: string;
}

export interface InputImagePart {
  type: 'input_image';
  image_url?: string | null;
  file_id?: string | null;
  detail?: 'low' | 'high' | 'auto' | null;
}

export interface InputFilePart {
  type: 'input_file';
  file_data?: string;
  filename?: string;
  file_id?: string | null;
  file_url?: string;
}

export interface OutputTextPart {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}

export interface RefusalPart {
  type: 'refusal';
  refusal: string;
}

export type ResponsesContentPart = InputTextPart | InputImagePart | InputFilePart | OutputTextPart | RefusalPart;

/** A message item: from the client (input) or produced by the model (output, with id and status). */
export interface MessageItem {
  type?: 'message';
  id?: string;
  role: ResponsesRole;
  content: string | ResponsesContentPart[];
  status?: ItemStatus;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** A tool call the model made; sent back as input to continue the conversation. */
export interface FunctionCallItem {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  arguments: string;
  status?: ItemStatus;
}

/** The client's result of a function call, matched by `call_id`. */
export interface FunctionCallOutputItem {
  type: 'function_call_output';
  id?: string;
  call_id: string;
  output: string | Array<InputTextPart | InputImagePart | InputFilePart>;
  status?: ItemStatus;
}

export type ResponsesInputItem = MessageItem | FunctionCallItem | FunctionCallOutputItem;

/** Function tools use the flat shape in the Responses API (no nested `function`). */
export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

export type ResponsesToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; name: string };

export type ResponsesTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean | null };

export interface ResponsesRequest {
  model: string;
  input?: string | ResponsesInputItem[];
  instructions?: string | null;
  tools?: ResponsesFunctionTool[];
  tool_choice?: ResponsesToolChoice;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stream?: boolean | null;
  previous_response_id?: string | null;
  /** Default true: the response is kept (for `previous_response_id` and GET) until its TTL. */
  store?: boolean | null;
  metadata?: Record<string, string> | null;
  text?: { format?: ResponsesTextFormat; verbosity?: string | null } | null;
  parallel_tool_calls?: boolean | null;
  user?: string;
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  service_tier?: string | null;
  truncation?: 'auto' | 'disabled' | null;
  [key: string]: unknown;
}

export interface OutputMessageItem {
  type: 'message';
  id: string;
  role: 'assistant';
  status: ItemStatus;
  content: Array<OutputTextPart | RefusalPart>;
}

export interface OutputFunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

export type ResponsesOutputItem = OutputMessageItem | OutputFunctionCallItem;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
  /** Gantry extension, as on chat completions: the metered cost as a decimal string. */
  gantry_cost_usd?: string;
  [key: string]: unknown;
}

export type ResponseStatus = 'completed' | 'failed' | 'in_progress' | 'incomplete';

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: ResponsesOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  service_tier: string | null;
  store: boolean;
  temperature: number | null;
  text: { format: ResponsesTextFormat };
  tool_choice: ResponsesToolChoice;
  tools: ResponsesFunctionTool[];
  top_p: number | null;
  truncation: 'auto' | 'disabled';
  usage: ResponsesUsage | null;
  user: string | null;
  metadata: Record<string, string>;
  [key: string]: unknown;
}
