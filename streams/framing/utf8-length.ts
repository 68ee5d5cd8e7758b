const encoder = new TextEncoder();

/** A text's length in bytes as it goes on the wire (UTF-8): what every byte limit counts. */
export const utf8Length = (text: string): number => encoder.encode(text).length;
