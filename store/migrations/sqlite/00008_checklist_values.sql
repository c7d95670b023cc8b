-- +goose Up
-- Number answers are JSON numbers (they were stored as decimal strings).
UPDATE answers SET answer_data = json_extract(answer_data, '$')
WHERE json_type(answer_data) = 'text'
  AND question_uuid IN (SELECT uuid FROM questions WHERE question_type = 'number');
-- Whitespace-only guidance is no guidance.
UPDATE questions SET user_guidance = '' WHERE trim(user_guidance, ' ' || char(9) || char(10) || char(13)) = '' AND user_guidance <> '';

-- +goose Down
UPDATE answers SET answer_data = json_quote(answer_data)
WHERE json_type(answer_data) IN ('integer', 'real')
  AND question_uuid IN (SELECT uuid FROM questions WHERE question_type = 'number');
