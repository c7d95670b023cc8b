-- +goose Up
-- Number answers are JSON numbers (they were stored as decimal strings).
UPDATE answers SET answer_data = to_jsonb((answer_data #>> '{}')::numeric)
WHERE jsonb_typeof(answer_data) = 'string'
  AND question_uuid IN (SELECT uuid FROM questions WHERE question_type = 'number');
-- Whitespace-only guidance is no guidance.
UPDATE questions SET user_guidance = '' WHERE btrim(user_guidance, E' \t\r\n') = '' AND user_guidance <> '';

-- +goose Down
UPDATE answers SET answer_data = to_jsonb(answer_data #>> '{}')
WHERE jsonb_typeof(answer_data) = 'number'
  AND question_uuid IN (SELECT uuid FROM questions WHERE question_type = 'number');
